"""The cache of token authentications, per store.

Authentication is cached in the process for ``TOKEN_CACHE_TTL`` seconds per raw token
(keyed by its SHA-256), so that SDK hot paths do not read the database per request; a
token that belongs to a person or a service account is cached for ``OWNED_TTL`` only,
so that removing its owner (or changing their roles) reaches every replica within a
second. Revoking a token drops it from the cache of the process that revoked it at once.

The cache is owned by the :class:`~premiere.store.Store` it caches (kept with
:meth:`Store.attached <premiere.store.Store.attached>`). Two stores in one process share
nothing; a test gives a store a cache with its own clocks with :func:`use_token_cache`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from premiere.store import Store
from premiere.store.types import utc_now

if TYPE_CHECKING:
    from premiere.services.people.tokens import TokenInfo

TOKEN_CACHE_TTL = 5.0
"""Seconds an authenticated token is accepted without reading the database again."""
OWNED_TTL = 0.5
"""The same for a token that belongs to a person or a service account."""
LAST_USED_RESOLUTION = timedelta(minutes=1)
_CACHE_LIMIT = 10_000


def token_cache(store: Store) -> TokenCache:
    """The cache of ``store``'s authentications (made on first use)."""
    return store.attached(TokenCache, TokenCache)


def use_token_cache(store: Store, cache: TokenCache) -> None:
    """Make ``cache`` the one of ``store`` from now on (tests: a cache with fake clocks)."""
    store.attach(TokenCache, cache)


Clock = Callable[[], float]
WallClock = Callable[[], datetime]


class TokenCache:
    """Raw token (by SHA-256) -> (expiry, TokenInfo, last use recorded).

    ``clock`` (seconds, monotonic) times the ``ttl``; ``wall_clock`` (aware UTC) says
    when a use is due to be recorded again (every ``LAST_USED_RESOLUTION``).
    """

    def __init__(
        self,
        *,
        ttl: float = TOKEN_CACHE_TTL,
        clock: Clock = time.monotonic,
        wall_clock: WallClock = utc_now,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.wall_clock = wall_clock
        self._entries: dict[bytes, tuple[float, TokenInfo, datetime]] = {}
        self._lock = threading.Lock()
        self.generation = 0
        """Bumped by every revocation: an authentication that started before it is not
        cached (it may have read the row before the revocation committed)."""

    def get(self, raw: str) -> TokenInfo | None:
        entry = self._entries.get(hashlib.sha256(raw.encode()).digest())
        if entry is None:
            return None
        expires, info, last_used = entry
        if self.clock() >= expires or self.wall_clock() - last_used >= LAST_USED_RESOLUTION:
            return None
        return info

    def get_stale(self, raw: str) -> TokenInfo | None:
        """The entry of ``raw`` if it expired less than ``ttl`` seconds ago (or has not)."""
        entry = self._entries.get(hashlib.sha256(raw.encode()).digest())
        if entry is None or self.clock() >= entry[0] + self.ttl:
            return None
        return entry[1]

    def forget(self, raw: str) -> None:
        with self._lock:
            self._entries.pop(hashlib.sha256(raw.encode()).digest(), None)

    def put(
        self,
        raw: str,
        info: TokenInfo,
        last_used: datetime,
        generation: int,
        *,
        ttl: float | None = None,
    ) -> None:
        """Remember ``info`` for ``ttl`` seconds (default: the cache's)."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= _CACHE_LIMIT:
                self._entries.clear()
            digest = hashlib.sha256(raw.encode()).digest()
            self._entries[digest] = (self.clock() + min(ttl or self.ttl, self.ttl), info, last_used)

    def drop(self, token_id: str) -> None:
        with self._lock:
            self.generation += 1
            for digest, (_, info, _) in list(self._entries.items()):
                if info.id == token_id:
                    del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
