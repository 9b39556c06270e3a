"""Fixtures: project ``demo`` (staging, production) with services ``web`` and ``worker``,
and a way to add audit events of the kinds other domains record; the real app over the
real store holding the worked example of docs/insights.md (``shop``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from premiere.api import create_app
from premiere.services import SYSTEM, Actor
from premiere.services.audit import record_audit_event
from premiere.services.catalog import create_service
from premiere.services.people import tokens
from premiere.services.people.accounts import add_person
from premiere.services.people.tokens import create_token
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running
from tests.insights.history import build_history

SHA = "0123456789abcdef0123456789abcdef01234567"
GUARD = Actor(kind="system", id="guard", name="premiere guard")


@pytest.fixture
def demo(store: Store, actor: Actor, project: str) -> str:
    for key in ("web", "worker"):
        create_service(store, actor, project, {"key": key})
    return project


def audit(
    store: Store, actor: Actor, action: str, resource_type: str, key: str, **more: Any
) -> None:
    """Record one audit event in project ``demo``, as the domain that owns it would."""
    with store.write() as session:
        record_audit_event(
            session, actor, action, project="demo", resource_type=resource_type,
            resource_key=key, **more,
        )  # fmt: skip


def personal_token(store: Store, project: str, role: str) -> str:
    """The token of a person holding ``role`` in ``project`` only."""
    with store.write() as session:
        person = add_person(
            session, SYSTEM, email=f"{role}@example.com", name=role.title(), password_hash=None,
            grants=[(project, role)],
        )  # fmt: skip
        owner = person.id
    return str(
        create_token(store, SYSTEM, {"name": role, "scope": "personal"}, owner=owner)["token"]
    )


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://", max_body_bytes=1_048_576)
    with running(create_app(settings, store)) as client:
        yield Api(client, store, admin_token)


@pytest.fixture
def shop(api: Api) -> Api:
    """The worked example of docs/insights.md (project ``shop``)."""
    build_history(api.store)
    return api
