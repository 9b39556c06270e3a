from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from premiere.errors import AuthenticationError
from premiere.services import Actor, tokens
from premiere.services.tokens import (
    authenticate,
    authenticate_cached,
    create_token,
    list_tokens,
    revoke_token,
)
from premiere.store import Store
from premiere.store.models import ApiToken
from premiere.store.types import utc_now


def _forget_rows(store: Store) -> None:
    with store.write() as session:
        session.execute(delete(ApiToken))


def test_authenticate__within_ttl__answers_without_database(store: Store, actor: Actor) -> None:
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    first = authenticate(store, raw)
    _forget_rows(store)  # only the cache can still know it

    assert authenticate(store, raw) == first
    assert authenticate_cached(store, raw) == first


def test_authenticate__ttl_passed__reads_database_again(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    authenticate(store, raw)
    _forget_rows(store)
    monkeypatch.setattr(tokens, "_clock", lambda: 1e12)  # long after the TTL

    with pytest.raises(AuthenticationError):
        authenticate(store, raw)


def test_authenticate__zero_ttl__never_cached(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "TOKEN_CACHE_TTL", 0.0)
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    authenticate(store, raw)

    assert authenticate_cached(store, raw) is None


def test_revoke_token__cached__refused_at_once(store: Store, actor: Actor) -> None:
    view = create_token(store, actor, {"name": "ci", "scope": "admin"})
    authenticate(store, view["token"])

    revoke_token(store, actor, view["id"])

    assert authenticate_cached(store, view["token"]) is None
    with pytest.raises(AuthenticationError):
        authenticate(store, view["token"])


def test_authenticate__wrong_secret_of_cached_token__unauthorized(
    store: Store, actor: Actor
) -> None:
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    authenticate(store, raw)

    with pytest.raises(AuthenticationError):
        authenticate(store, raw + "x")


def test_authenticate__cached_a_minute_later__records_use_again(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    authenticate(store, raw)
    first = list_tokens(store)[0]["last_used_at"]
    later = utc_now() + timedelta(minutes=2)
    monkeypatch.setattr(tokens, "utc_now", lambda: later)

    assert authenticate_cached(store, raw) is None  # due: the database path records it
    authenticate(store, raw)

    assert list_tokens(store)[0]["last_used_at"] > first
