"""Fixtures: the real app over the real store and services (SQLite, and PostgreSQL marked)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store

from ..conftest import DemoStore
from .support import MAX_BODY_BYTES, Api, running


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="unused://", max_body_bytes=MAX_BODY_BYTES)


@pytest.fixture
def api(store: Store, settings: Settings) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    with running(create_app(settings, store)) as client:
        yield Api(client, store, admin_token)


@pytest.fixture
def acme(demo_store: DemoStore, settings: Settings) -> Iterator[Api]:
    """The demo project (Acme Shop): as ``api`` after ``seed_demo``."""
    with running(create_app(settings, demo_store.store)) as client:
        yield Api(client, demo_store.store, demo_store.admin_token)


@pytest.fixture
def demo(api: Api) -> Api:
    """Project ``demo`` with development, staging and production."""
    api.project("demo", ("development", "staging", "production"))
    return api
