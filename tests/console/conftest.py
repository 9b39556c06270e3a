"""Fixtures: the app with the console installed, over a real store, with a movable clock.

Requests go through ``httpx``'s ASGI transport (tests/api/support.py), whose client keeps
cookies as a browser does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from premiere.api import create_app
from premiere.console import install_console
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store

from ..api.support import SyncClient, running
from ..conftest import DemoStore

IDLE_SECONDS = 3600
MAX_AGE_SECONDS = 4 * 3600


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Console:
    client: SyncClient
    store: Store
    admin_token: str
    clock: Clock

    def sign_in(self, token: str | None = None, next_url: str = "/") -> None:
        answer = self.client.request(
            "POST",
            "/sign-in",
            data={"token": token or self.admin_token, "next": next_url, **self.sign_in_csrf()},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    def sign_in_csrf(self) -> dict[str, str]:
        """The sign-in form's CSRF field (its cookie is kept by the client). A browser
        already signed in is sent on by the sign-in page: this one forgets its session."""
        if "premiere_session" in self.client.cookies:
            self.client.cookies.delete("premiere_session")
        return {"csrf": self.csrf("/sign-in")}

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on the page at ``path``."""
        html = self.client.get(path).text
        marker = 'name="csrf" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]


@pytest.fixture
def console(store: Store) -> Iterator[Console]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    with open_console(store, admin_token) as console:
        yield console


@pytest.fixture
def demo(shop: Console) -> Console:
    """The demo project (Acme Shop), signed in."""
    shop.sign_in()
    return shop


@pytest.fixture
def shop(demo_store: DemoStore) -> Iterator[Console]:
    """The demo project (Acme Shop), not signed in: as ``console`` after ``seed_demo``."""
    with open_console(demo_store.store, demo_store.admin_token) as console:
        yield console


@contextmanager
def open_console(store: Store, admin_token: str) -> Iterator[Console]:
    settings = Settings(
        database_url="unused://",
        console_session_idle_seconds=IDLE_SECONDS,
        console_session_max_age_seconds=MAX_AGE_SECONDS,
    )
    clock = Clock()
    app = install_console(create_app(settings, store), settings, clock=clock)
    with running(app) as client:
        yield Console(client, store, admin_token, clock)
