"""The per-store token cache: answers within its TTL, times out by an injected clock,
forgets revoked tokens at once, and belongs to one store only."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from premiere.errors import AuthenticationError
from premiere.services import Actor
from premiere.services.people.tokens import (
    TokenCache,
    authenticate,
    authenticate_cached,
    create_token,
    list_tokens,
    revoke_token,
    token_cache,
    use_token_cache,
)
from premiere.store import Store
from premiere.store.models import ApiToken
from premiere.store.types import utc_now


class FakeClock:
    """Monotonic seconds and UTC wall time that move only when told."""

    def __init__(self) -> None:
        self.seconds = 1000.0
        self.wall = utc_now()

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.wall += timedelta(seconds=seconds)


@pytest.fixture
def clock(store: Store) -> FakeClock:
    """A fake clock driving ``store``'s token cache (TTL 5 s)."""
    fake = FakeClock()
    use_token_cache(store, TokenCache(ttl=5.0, clock=fake.monotonic, wall_clock=fake.now))
    return fake


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
    store: Store, actor: Actor, clock: FakeClock
) -> None:
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    authenticate(store, raw)
    _forget_rows(store)
    clock.advance(4.9)
    assert authenticate(store, raw).name == "ci"  # still cached

    clock.advance(0.1)  # the TTL has passed

    assert authenticate_cached(store, raw) is None
    with pytest.raises(AuthenticationError):
        authenticate(store, raw)


def test_authenticate__zero_ttl__never_cached(store: Store, actor: Actor) -> None:
    use_token_cache(store, TokenCache(ttl=0.0))
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


def test_authenticate__cached_a_minute_later__records_use_again(store: Store, actor: Actor) -> None:
    clock = FakeClock()  # a TTL longer than a minute: only the due record ends the entry
    use_token_cache(store, TokenCache(ttl=3600.0, clock=clock.monotonic, wall_clock=clock.now))
    raw = create_token(store, actor, {"name": "ci", "scope": "admin"})["token"]
    authenticate(store, raw)
    first = list_tokens(store)[0]["last_used_at"]
    clock.advance(59)
    assert authenticate_cached(store, raw) is not None
    clock.advance(1)

    assert authenticate_cached(store, raw) is None  # due: the database path records it
    authenticate(store, raw)

    assert list_tokens(store)[0]["last_used_at"] > first


def test_token_cache__two_stores__share_nothing(tmp_path: Path, actor: Actor) -> None:
    with (
        Store.open(f"sqlite:///{tmp_path / 'one.db'}") as one,
        Store.open(f"sqlite:///{tmp_path / 'two.db'}") as two,
    ):
        raw = create_token(one, actor, {"name": "ci", "scope": "admin"})["token"]
        authenticate(one, raw)

        assert authenticate_cached(one, raw) is not None
        assert authenticate_cached(two, raw) is None
        assert token_cache(one) is not token_cache(two)
        with pytest.raises(AuthenticationError):
            authenticate(two, raw)
