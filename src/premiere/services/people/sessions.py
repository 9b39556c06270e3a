"""Console sessions: an admin token in, a server-side session out.

A session id is 32 random bytes (URL-safe) handed to the browser once, as a cookie;
only its SHA-256 is stored. A session ends at sign-out, when it has been idle longer
than ``idle`` or lived longer than ``max_age`` (:class:`SessionPolicy`), and when the
token it was made from is revoked (checked on every use, so a revocation on another
replica ends it too). Its CSRF token is derived from the raw id, so it needs no
column and cannot be read from the database.

The clock is passed in (``now``): tests move it instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from premiere.errors import PermissionDeniedError
from premiere.services.people import tokens as token_service
from premiere.store import Store
from premiere.store.models import ApiToken, ConsoleSession

LAST_SEEN_RESOLUTION = timedelta(seconds=30)
"""A use of a session is written at most this often (the idle clock's grain)."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=8)
    max_age: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class SessionInfo:
    """A live session: who it acts as, and the CSRF token its forms carry."""

    token_id: str
    token_name: str
    csrf: str


@dataclass(frozen=True)
class StartedSession:
    raw_id: str
    info: SessionInfo


def start_session(store: Store, raw_token: str, *, now: datetime) -> StartedSession:
    """Exchange an admin token for a session; ``AuthenticationError`` for an unknown or
    revoked token, ``PermissionDeniedError`` for a token that is not an admin's."""
    token = token_service.authenticate(store, raw_token.strip())
    if token.scope != "admin":
        raise PermissionDeniedError(
            f"the console signs in with an admin token; this one has scope {token.scope!r}"
        )
    raw_id = secrets.token_urlsafe(32)
    with store.write() as session:
        session.add(
            ConsoleSession(
                id_hash=_hash(raw_id), token_id=token.id, created_at=now, last_seen_at=now
            )
        )
    return StartedSession(raw_id, SessionInfo(token.id, token.name, csrf_token(raw_id)))


def resume_session(
    store: Store, raw_id: str, *, now: datetime, policy: SessionPolicy
) -> SessionInfo | None:
    """The live session of cookie value ``raw_id``, or None (unknown, ended, expired, its
    token revoked). An expired session is ended on the way."""
    if not raw_id or len(raw_id) > 128:
        return None
    id_hash = _hash(raw_id)
    with store.read() as session:
        found = session.execute(
            select(ConsoleSession, ApiToken)
            .join(ApiToken, ApiToken.id == ConsoleSession.token_id)
            .where(ConsoleSession.id_hash == id_hash)
        ).first()
    if found is None:
        return None
    row, token = found
    if row.ended_at is not None:
        return None
    expired = now - row.last_seen_at > policy.idle or now - row.created_at > policy.max_age
    if expired or token.revoked_at is not None:
        _end(store, id_hash, now)
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        with store.write() as session:
            session.execute(
                update(ConsoleSession)
                .where(ConsoleSession.id_hash == id_hash)
                .values(last_seen_at=now)
            )
    return SessionInfo(token.id, token.name, csrf_token(raw_id))


def end_session(store: Store, raw_id: str, *, now: datetime) -> None:
    """Sign out: the session of ``raw_id`` ends (nothing happens for an unknown one)."""
    if raw_id:
        _end(store, _hash(raw_id), now)


def csrf_token(raw_id: str) -> str:
    """The CSRF token of the session ``raw_id`` (the hidden field of its forms)."""
    return hmac.new(raw_id.encode(), b"premiere console csrf", hashlib.sha256).hexdigest()


def _end(store: Store, id_hash: str, now: datetime) -> None:
    with store.write() as session:
        session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id_hash == id_hash, ConsoleSession.ended_at.is_(None))
            .values(ended_at=now)
        )


def _hash(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


__all__ = [
    "SessionInfo",
    "SessionPolicy",
    "StartedSession",
    "csrf_token",
    "end_session",
    "resume_session",
    "start_session",
]
