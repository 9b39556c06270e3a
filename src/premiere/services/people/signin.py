"""Signing in: with a password (throttled per account and per address), with an
OpenID provider's verified claims, and the CLI's login, which trades a password for
a personal token.

Every failure says the same ("wrong email or password") whether the account exists or
not, and takes as long (a hash is verified either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from premiere.errors import AuthenticationError, PermissionDeniedError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.people import throttle
from premiere.services.people.accounts import (
    add_person,
    normalize_email,
    person_actor,
    write_grants,
)
from premiere.services.people.passwords import verify_password
from premiere.services.people.sessions import StartedSession, start_person_session
from premiere.services.people.tokens import create_token
from premiere.store import Store
from premiere.store.people import Identity, Person

WRONG = "wrong email or password"


def sign_in_with_password(
    store: Store, email: Any, password: Any, *, address: str | None, now: datetime
) -> StartedSession:
    """A new console session for the person with ``email`` and ``password``;
    ``AuthenticationError`` if they do not match, ``RateLimitedError`` while throttled."""
    person = check_password(store, email, password, address=address, now=now)
    with store.write() as session:
        person = session.get(Person, person.id) or person
        return start_person_session(session, person, now=now)


def check_password(
    store: Store, email: Any, password: Any, *, address: str | None, now: datetime
) -> Person:
    """The person ``email`` and ``password`` name, after the throttle's check."""
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise AuthenticationError("enter your email and password")
    email = normalize_email(email)[:300]
    with store.read() as session:
        throttle.check_throttle(session, email, address, now)
        person = session.scalar(
            select(Person).where(Person.email == email, Person.kind == "person")
        )
        stored = person.password_hash if person is not None else None
    matches = verify_password(stored, password[:1024])
    with store.write() as session:
        if person is None or not matches or person.removed_at is not None:
            throttle.count_failure(session, email, address, now)
            failed = True
        else:
            throttle.clear_account(session, email)
            failed = False
    if failed or person is None:
        raise AuthenticationError(WRONG)
    return person


def log_in(
    store: Store, email: Any, password: Any, *, address: str | None, now: datetime, name: str
) -> dict[str, Any]:
    """The CLI's login: a personal token (90 days) for the person ``email`` names."""
    person = check_password(store, email, password, address=address, now=now)
    actor = person_actor(person)
    data = {"name": name[:200] or "premiere login", "scope": "personal", "expires_in_days": 90}
    return dict(create_token(store, actor, data, owner=person.id))


def sign_in_with_sso(
    store: Store,
    *,
    issuer: str,
    subject: str,
    email: str | None,
    name: str | None,
    grants: Sequence[tuple[str | None, str]] | None,
    create: bool,
    now: datetime,
) -> StartedSession:
    """A console session for the person an OpenID provider vouches for.

    The person is found by (``issuer``, ``subject``), else by a verified ``email`` (and
    the identity is linked), else created when ``create`` (just-in-time), else refused
    with ``PermissionDeniedError`` (``sso_account_unknown``). ``grants``: the roles the
    provider's claims map to — they replace the person's roles; None leaves them."""
    with store.write() as session:
        person = _sso_person(session, issuer, subject, email)
        if person is None:
            if not create or not email:
                raise PermissionDeniedError(
                    "no account here for this single sign-on identity; ask an admin to invite you",
                    {"reason": "sso_account_unknown"},
                )
            actor = Actor(kind="system", id="sso", name=f"single sign-on ({issuer})")
            person = add_person(
                session, actor, email=email, name=name or email, password_hash=None,
                grants=grants or (),
            )  # fmt: skip
            session.add(Identity(person_id=person.id, issuer=issuer, subject=subject))
        elif person.removed_at is not None:
            raise PermissionDeniedError("this account has been removed")
        elif grants is not None:
            write_grants(session, person, grants)
        record_audit_event(
            session, person_actor(person), "person.signed_in", project=None,
            resource_type="person", resource_key=person.id, after={"method": "sso"},
        )  # fmt: skip
        return start_person_session(session, person, now=now)


def _sso_person(session: Any, issuer: str, subject: str, email: str | None) -> Person | None:
    identity = session.scalar(
        select(Identity).where(Identity.issuer == issuer, Identity.subject == subject)
    )
    if identity is not None:
        person: Person | None = session.get(Person, identity.person_id)
        return person
    if not email:
        return None
    person = session.scalar(select(Person).where(Person.email == normalize_email(email)))
    if person is not None:
        session.add(Identity(person_id=person.id, issuer=issuer, subject=subject))
    return person
