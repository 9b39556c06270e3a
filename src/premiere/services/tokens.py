"""API tokens: ``prm_<id>_<secret>``; only the SHA-256 of the secret is stored.

Scopes: ``admin`` (everything), ``deploy`` (optionally limited to one project),
``sdk-server`` and ``sdk-client`` (one project's environment each), ``feed`` (one
project's calendar feed, read only: the one scope a token may have when it is sent in a
URL, as calendar clients cannot send headers).

Authentication is cached in the process for ``TOKEN_CACHE_TTL`` seconds per raw token
(keyed by its SHA-256), so that SDK hot paths do not read the database per request.
Revoking a token drops it from the cache of the process that revoked it at once; other
processes (replicas) stop accepting it at most ``TOKEN_CACHE_TTL`` seconds later (plus
the moment of the one database read that refreshes an expired entry, during which a hot
path may keep answering from it: :func:`authenticate_stale`). Unknown and revoked
tokens are never cached.

The cache is a :class:`TokenCache` owned by the :class:`~premiere.store.Store` it
caches (kept with :meth:`Store.attached <premiere.store.Store.attached>`, a slot for
per-store objects of upper layers: the store layer does not import services, and
revocation must reach the cache of the store it went through, from the API and the CLI
alike). Two stores in one process share nothing; a test gives a store a cache with its
own clocks with :func:`use_token_cache`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from premiere.errors import AuthenticationError, NotFoundError
from premiere.services import SYSTEM, Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import TokenCreated, TokenView, map_token_row_to_view
from premiere.services.token_work import withdraw_token_work
from premiere.services.validation import Validator
from premiere.store import Store, lock_for_update
from premiere.store.models import ApiToken, ConsoleSession
from premiere.store.types import utc_now

SCOPES = ("admin", "deploy", "sdk-server", "sdk-client", "feed")
PREFIX = "prm_"
BINDINGS: dict[str, tuple[str, str]] = {
    "admin": ("not_allowed", "not_allowed"),
    "deploy": ("allowed", "not_allowed"),
    "sdk-server": ("required", "required"),
    "sdk-client": ("required", "required"),
    "feed": ("required", "not_allowed"),
}
"""Per scope: whether a token names a project, then an environment."""
LAST_USED_RESOLUTION = timedelta(minutes=1)
_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
_RAW_PATTERN = re.compile(r"^prm_([0-9a-f]{16})_(.+)$", re.DOTALL)
_NO_HASH = hashlib.sha256(b"no such token").hexdigest()
TOKEN_CACHE_TTL = 5.0
"""Seconds an authenticated token is accepted without reading the database again."""
_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class TokenInfo:
    """What an authenticated request may act as."""

    id: str
    name: str
    scope: str
    project: str | None
    environment: str | None


def create_token(store: Store, actor: Actor, data: Mapping[str, Any]) -> TokenCreated:
    """Create a token; the returned view holds the raw ``token``, which is never shown again."""
    _check(data)
    project = data.get("project")
    environment = data.get("environment")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with store.write() as session:
        if project is not None:
            project_row = get_project_row(session, project)
            if environment is not None:
                get_environment_row(session, project_row, environment)
        row = ApiToken(
            id=token_id,
            name=data["name"],
            scope=data["scope"],
            project=project,
            environment=environment,
            secret_hash=_hash(secret),
            created_at=utc_now(),
        )
        session.add(row)
        session.flush()
        view = map_token_row_to_view(row)
        record_audit_event(
            session,
            actor,
            "token.created",
            project=project,
            resource_type="token",
            resource_key=token_id,
            environment=environment,
            after=view,
        )
    return {**view, "token": f"{PREFIX}{token_id}_{secret}"}


def list_tokens(store: Store) -> list[TokenView]:
    with store.read() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id))
        return [map_token_row_to_view(row) for row in rows]


def revoke_token(store: Store, actor: Actor, token_id: str) -> TokenView:
    """Revoke a token; revoking a revoked token changes nothing and returns it as it is.
    What the token left to run later (scheduled flag changes, scheduled releases) is
    cancelled in the same transaction."""
    with store.write() as session:
        known = isinstance(token_id, str) and _ID_PATTERN.fullmatch(token_id)
        row = session.get(ApiToken, token_id) if known else None
        if row is None:
            raise NotFoundError("token", token_id)
        if row.revoked_at is not None:
            return map_token_row_to_view(row)
        before = map_token_row_to_view(row)
        row.revoked_at = utc_now()
        session.flush()
        after = map_token_row_to_view(row)
        record_audit_event(
            session,
            actor,
            "token.revoked",
            project=row.project,
            resource_type="token",
            resource_key=token_id,
            environment=row.environment,
            before=before,
            after=after,
        )
        withdraw_token_work(session, actor, row)
        session.execute(  # its console sessions end with it
            update(ConsoleSession)
            .where(ConsoleSession.token_id == token_id, ConsoleSession.ended_at.is_(None))
            .values(ended_at=row.revoked_at)
        )
    token_cache(store).drop(token_id)
    return after


def authenticate(store: Store, raw: str) -> TokenInfo:
    """The token ``raw`` stands for, or ``AuthenticationError`` (unknown, wrong, revoked)."""
    if not isinstance(raw, str):
        raise AuthenticationError("unknown token")
    cache = token_cache(store)
    cached = cache.get(raw)
    if cached is not None:
        return cached
    generation = cache.generation
    token_id, secret = _split(raw)
    with store.read() as session:
        row = session.get(ApiToken, token_id)
        stored = row.secret_hash if row is not None else _NO_HASH
        matches = hmac.compare_digest(_hash(secret), stored)
        if row is None or not matches:
            raise AuthenticationError("unknown token")
        if row.revoked_at is not None:
            raise AuthenticationError("the token has been revoked")
        info = TokenInfo(row.id, row.name, row.scope, row.project, row.environment)
        last_used = row.last_used_at
    now = cache.wall_clock()
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        _touch(store, token_id, now)
        last_used = now
    cache.put(raw, info, last_used, generation)
    return info


def authenticate_cached(store: Store, raw: str) -> TokenInfo | None:
    """The token ``raw`` stands for if it was authenticated in this process less than
    ``TOKEN_CACHE_TTL`` seconds ago and its use need not be recorded yet; otherwise
    ``None`` (call :func:`authenticate`). Never touches the database."""
    return token_cache(store).get(raw)


def authenticate_stale(store: Store, raw: str) -> TokenInfo | None:
    """What :func:`authenticate_cached` answered until less than ``TOKEN_CACHE_TTL``
    seconds ago, for a hot path to keep answering while one :func:`authenticate` reads the
    token again (then :func:`forget_cached_token` if that fails); else ``None``."""
    return token_cache(store).get_stale(raw)


def forget_cached_token(store: Store, raw: str) -> None:
    """Drop the cached authentication of ``raw`` (its refresh failed)."""
    token_cache(store).forget(raw)


def forget_cached_tokens(store: Store) -> None:
    """Drop every cached authentication of ``store`` (tests, or after bulk changes)."""
    token_cache(store).clear()


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

    def put(self, raw: str, info: TokenInfo, last_used: datetime, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= _CACHE_LIMIT:
                self._entries.clear()
            digest = hashlib.sha256(raw.encode()).digest()
            self._entries[digest] = (self.clock() + self.ttl, info, last_used)

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


def ensure_admin_token(store: Store, preset: str | None) -> str | None:
    """On a database without any token, create an admin token.

    With ``preset`` (e.g. from ``PREMIERE_ADMIN_TOKEN``) that token is stored and
    ``None`` returned; otherwise a new one is generated and returned, once.
    A preset need not look like ``prm_<id>_<secret>``: any string works.
    """
    with store.write() as session:
        lock_for_update(session, "premiere:api_tokens:bootstrap")
        if session.scalar(select(ApiToken.id).limit(1)) is not None:
            return None
        raw = preset or f"{PREFIX}{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"
        token_id, secret = _split(raw)
        row = ApiToken(
            id=token_id,
            name="admin",
            scope="admin",
            secret_hash=_hash(secret),
            created_at=utc_now(),
        )
        session.add(row)
        session.flush()
        record_audit_event(
            session,
            SYSTEM,
            "token.created",
            project=None,
            resource_type="token",
            resource_key=token_id,
            after=map_token_row_to_view(row),
        )
    return None if preset else raw


def _split(raw: str) -> tuple[str, str]:
    """``prm_<id>_<secret>`` into id and secret; any other string is its own secret, with
    an id derived from its hash (so preset admin tokens can be any string)."""
    match = _RAW_PATTERN.fullmatch(raw)
    if match:
        return match.group(1), match.group(2)
    return hashlib.sha256(raw.encode()).hexdigest()[:16], raw


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _touch(store: Store, token_id: str, now: datetime) -> None:
    """Record use at most once per minute, so authentication rarely writes."""
    with store.write() as session:
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at <= now - LAST_USED_RESOLUTION,
                ),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )


def _check(data: Mapping[str, Any]) -> None:
    validator = Validator(data)
    validator.allowed(("name", "scope", "project", "environment"))
    if validator.required("name"):
        validator.text("name", empty=False)
    if validator.required("scope") and data["scope"] not in SCOPES:
        validator.add("scope", "enum", f"must be one of {', '.join(SCOPES)}")
    validator.text("project", max_length=128, null=True)
    validator.text("environment", max_length=128, null=True)
    scope = str(data.get("scope"))
    rules = BINDINGS.get(scope, ("allowed", "allowed"))
    for field, rule in zip(("project", "environment"), rules, strict=True):
        present = data.get(field) is not None
        if rule == "required" and not present:
            validator.add(field, "required", f"a {scope} token needs a {field}")
        elif rule == "not_allowed" and present:
            what = "a project" if scope == "admin" else "an environment"
            article = "an" if scope == "admin" else "a"
            validator.add(field, "not_allowed", f"{article} {scope} token is not limited to {what}")
    validator.raise_if_any()
