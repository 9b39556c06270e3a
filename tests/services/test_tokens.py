from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from premiere.errors import AuthenticationError, NotFoundError, ValidationError
from premiere.services import Actor
from premiere.services.people.tokens import (
    authenticate,
    create_token,
    ensure_admin_token,
    forget_cached_tokens,
    list_tokens,
    revoke_token,
)
from premiere.store import Store
from premiere.store.models import ApiToken
from premiere.store.types import utc_now


def test_create_token__admin__raw_token_authenticates(store: Store, actor: Actor) -> None:
    view = create_token(store, actor, {"name": "ci", "scope": "admin"})

    assert view["token"].startswith(f"prm_{view['id']}_")
    info = authenticate(store, view["token"])
    assert (info.id, info.scope, info.project, info.environment) == (
        view["id"],
        "admin",
        None,
        None,
    )
    assert "token" not in list_tokens(store)[0]


def test_create_token__any__stores_only_sha256_of_secret(store: Store, actor: Actor) -> None:
    view = create_token(store, actor, {"name": "ci", "scope": "admin"})
    secret = view["token"].removeprefix(f"prm_{view['id']}_")

    with store.read() as session:
        dump = " ".join(
            str(value) for row in session.execute(text("SELECT * FROM api_tokens")) for value in row
        )
        audit = " ".join(
            str(value)
            for row in session.execute(text("SELECT * FROM audit_events"))
            for value in row
        )
    assert secret not in dump
    assert secret not in audit
    assert hashlib.sha256(secret.encode()).hexdigest() in dump


def test_authenticate__wrong_secret__unauthorized(store: Store, actor: Actor) -> None:
    view = create_token(store, actor, {"name": "ci", "scope": "admin"})

    with pytest.raises(AuthenticationError):
        authenticate(store, view["token"] + "x")
    with pytest.raises(AuthenticationError):
        authenticate(store, "prm_0000000000000000_nothing")
    with pytest.raises(AuthenticationError):
        authenticate(store, "")


def test_authenticate__revoked__unauthorized(store: Store, actor: Actor) -> None:
    view = create_token(store, actor, {"name": "ci", "scope": "admin"})

    revoked = revoke_token(store, actor, view["id"])

    assert revoked["revoked_at"] is not None
    with pytest.raises(AuthenticationError):
        authenticate(store, view["token"])


def test_revoke_token__unknown__not_found(store: Store, actor: Actor) -> None:
    with pytest.raises(NotFoundError):
        revoke_token(store, actor, "0123456789abcdef")


def test_authenticate__used_twice_within_a_minute__last_used_written_once(
    store: Store, actor: Actor
) -> None:
    view = create_token(store, actor, {"name": "ci", "scope": "admin"})

    authenticate(store, view["token"])
    first = list_tokens(store)[0]["last_used_at"]
    authenticate(store, view["token"])

    assert first is not None
    assert list_tokens(store)[0]["last_used_at"] == first
    # An hour later, the next use is recorded again.
    with store.write() as session:
        session.execute(update(ApiToken).values(last_used_at=utc_now() - timedelta(hours=1)))
    forget_cached_tokens(store)
    authenticate(store, view["token"])
    assert list_tokens(store)[0]["last_used_at"] > first


def test_create_token__sdk_scope__needs_project_and_environment(
    store: Store, actor: Actor, project: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_token(store, actor, {"name": "web", "scope": "sdk-client"})

    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("project", "required"),
        ("environment", "required"),
    }
    view = create_token(
        store,
        actor,
        {"name": "web", "scope": "sdk-client", "project": project, "environment": "production"},
    )
    info = authenticate(store, view["token"])
    assert (info.scope, info.project, info.environment) == ("sdk-client", "demo", "production")


def test_create_token__unknown_environment__not_found(
    store: Store, actor: Actor, project: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        create_token(
            store,
            actor,
            {"name": "x", "scope": "sdk-server", "project": project, "environment": "nope"},
        )

    assert caught.value.details["resource"] == "environment"


def test_create_token__bad_scope__names_rule(store: Store, actor: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        create_token(store, actor, {"name": "x", "scope": "root"})

    assert [(v.field, v.rule) for v in caught.value.violations] == [("scope", "enum")]


def test_ensure_admin_token__empty_database__generates_once(store: Store) -> None:
    raw = ensure_admin_token(store, None)

    assert raw is not None
    assert authenticate(store, raw).scope == "admin"
    assert ensure_admin_token(store, None) is None
    assert len(list_tokens(store)) == 1


def test_ensure_admin_token__preset__stored_and_not_returned(store: Store) -> None:
    assert ensure_admin_token(store, "correct-horse-battery-staple") is None

    assert authenticate(store, "correct-horse-battery-staple").scope == "admin"
    with store.read() as session:
        hashes = list(session.scalars(select(ApiToken.secret_hash)))
    assert "correct-horse-battery-staple" not in hashes


def test_ensure_admin_token__tokens_exist__does_nothing(store: Store, actor: Actor) -> None:
    create_token(store, actor, {"name": "ci", "scope": "admin"})

    assert ensure_admin_token(store, "preset-token") is None
    with pytest.raises(AuthenticationError):
        authenticate(store, "preset-token")
