"""Console sessions: a person signed in (password or single sign-on), or an admin API
token exchanged for a session.

A session id is 32 random bytes (URL-safe) handed to the browser once, as a cookie;
only its SHA-256 is stored; every sign-in makes a new one (no session fixation). A
session ends at sign-out, when it has been idle longer than ``idle`` or lived longer
than ``max_age`` (:class:`SessionPolicy`), when the token it was made from is revoked,
and when its person changes their password or is removed (checked on every use, so a
change on another replica ends it too). Its CSRF token is derived from the raw id, so
it needs no column and cannot be read from the database.

The clock is passed in (``now``): tests move it instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from premiere.errors import PermissionDeniedError
from premiere.services import Actor
from premiere.services.people import tokens as token_service
from premiere.services.people.accounts import person_actor
from premiere.services.people.permissions import SESSION, Caller
from premiere.store import Store
from premiere.store.models import ApiToken, ConsoleSession
from premiere.store.people import Person, RoleGrant

LAST_SEEN_RESOLUTION = timedelta(seconds=30)
"""A use of a session is written at most this often (the idle clock's grain)."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=8)
    max_age: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class SessionInfo:
    """A live session: who it acts as (``caller``), and the CSRF token its forms carry."""

    caller: Caller
    csrf: str

    @property
    def actor(self) -> Actor:
        return self.caller.actor


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
    return StartedSession(raw_id, SessionInfo(token.caller, csrf_token(raw_id)))


def start_person_session(session: Session, person: Person, *, now: datetime) -> StartedSession:
    """A new session for ``person`` (signed in), in ``session``'s transaction."""
    raw_id = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(id_hash=_hash(raw_id), person_id=person.id, created_at=now, last_seen_at=now)
    )
    return StartedSession(raw_id, SessionInfo(person_caller(session, person), csrf_token(raw_id)))


def person_caller(session: Session, person: Person) -> Caller:
    grants = tuple(
        (grant.project, grant.role)
        for grant in session.scalars(select(RoleGrant).where(RoleGrant.person_id == person.id))
    )
    return Caller(SESSION, person_actor(person), grants=grants, person=person.id)


def resume_session(
    store: Store, raw_id: str, *, now: datetime, policy: SessionPolicy
) -> SessionInfo | None:
    """The live session of cookie value ``raw_id``, or None (unknown, ended, expired, its
    token revoked, its person removed). An expired session is ended on the way."""
    if not raw_id or len(raw_id) > 128:
        return None
    id_hash = _hash(raw_id)
    with store.read() as session:
        row = session.get(ConsoleSession, id_hash)
        if row is None or row.ended_at is not None:
            return None
        caller = _caller_of(session, row)
        expired = now - row.last_seen_at > policy.idle or now - row.created_at > policy.max_age
        last_seen = row.last_seen_at
    if expired or caller is None:
        _end(store, id_hash, now)
        return None
    if now - last_seen >= LAST_SEEN_RESOLUTION:
        with store.write() as session:
            session.execute(
                update(ConsoleSession)
                .where(ConsoleSession.id_hash == id_hash)
                .values(last_seen_at=now)
            )
    return SessionInfo(caller, csrf_token(raw_id))


def _caller_of(session: Session, row: ConsoleSession) -> Caller | None:
    """Who session ``row`` acts as, or None if that ended (revoked token, removed person)."""
    if row.person_id is not None:
        person = session.get(Person, row.person_id)
        if person is None or person.removed_at is not None:
            return None
        return person_caller(session, person)
    token = session.get(ApiToken, row.token_id) if row.token_id is not None else None
    if token is None or token.revoked_at is not None:
        return None
    info = token_service.TokenInfo(token.id, token.name, token.scope, None, None)
    return info.caller


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
    "start_person_session",
    "start_session",
]
