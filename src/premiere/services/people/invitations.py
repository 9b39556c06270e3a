"""Invitations: an admin invites someone by email with a role; the one-time link
(shown once, since there may be no mail server) lets them choose a name and password.

A link is ``/join/<id>.<secret>``; only the secret's SHA-256 is kept. It expires after
``expires_in_days`` (default 7, at most 30), works once, and can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import select

from premiere.errors import AlreadyExistsError, InvitationExpiredError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.people.accounts import add_person, check_email, normalize_email
from premiere.services.people.passwords import check_password, hash_password
from premiere.services.people.permissions import ROLES
from premiere.services.people.sessions import StartedSession, start_person_session
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.people import Invitation, Person

DEFAULT_DAYS = 7
MAX_DAYS = 30
_LINK = re.compile(r"^([0-9a-f]{16})\.([A-Za-z0-9_-]{20,100})$")


class InvitationView(TypedDict):
    id: str
    email: str
    name: str
    project: str | None
    role: str
    created_by: str
    created_at: str
    expires_at: str
    state: str


class InvitationCreated(InvitationView):
    link: str
    """The path of the one-time link (``/join/...``); shown once."""


def invite_person(
    store: Store, actor: Actor, data: Mapping[str, Any], *, now: datetime
) -> InvitationCreated:
    validator = Validator(data)
    validator.allowed(("email", "name", "project", "role", "expires_in_days"))
    check_email(validator)
    validator.text("name")
    validator.text("project", max_length=128, null=True)
    if validator.required("role") and data["role"] not in ROLES:
        validator.add("role", "enum", f"must be one of {', '.join(ROLES)}")
    days = data.get("expires_in_days", DEFAULT_DAYS)
    if type(days) is not int or not 1 <= days <= MAX_DAYS:
        validator.add("expires_in_days", "range", f"must be a whole number from 1 to {MAX_DAYS}")
    validator.raise_if_any()
    email = normalize_email(data["email"])
    secret = secrets.token_urlsafe(32)
    with store.write() as session:
        if data.get("project") is not None:
            get_project_row(session, data["project"])
        if session.scalar(select(Person.id).where(Person.email == email)) is not None:
            raise AlreadyExistsError("person", email)
        row = Invitation(
            id=secrets.token_hex(8), email=email, name=(data.get("name") or "").strip(),
            project=data.get("project"), role=data["role"], secret_hash=_hash(secret),
            created_by=actor.name, created_at=now, expires_at=now + timedelta(days=days),
        )  # fmt: skip
        session.add(row)
        session.flush()
        view = map_invitation_row_to_view(row, now)
        record_audit_event(
            session, actor, "person.invited", project=row.project, resource_type="invitation",
            resource_key=row.id, after=view,
        )  # fmt: skip
    return {**view, "link": f"/join/{row.id}.{secret}"}


def list_invitations(store: Store, *, now: datetime) -> list[InvitationView]:
    """Invitations not yet accepted or revoked, newest first (expired ones say so)."""
    with store.read() as session:
        rows = session.scalars(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc(), Invitation.id)
        )
        return [map_invitation_row_to_view(row, now) for row in rows]


def revoke_invitation(
    store: Store, actor: Actor, invitation_id: str, *, now: datetime
) -> InvitationView:
    with store.write() as session:
        row = session.get(Invitation, invitation_id) if _is_id(invitation_id) else None
        if row is None:
            raise NotFoundError("invitation", str(invitation_id))
        if row.accepted_at is None and row.revoked_at is None:
            row.revoked_at = now
            record_audit_event(
                session, actor, "invitation.revoked", project=row.project,
                resource_type="invitation", resource_key=row.id,
            )  # fmt: skip
        return map_invitation_row_to_view(row, now)


def find_invitation(store: Store, link: str, *, now: datetime) -> InvitationView:
    """The open invitation of a link (its ``<id>.<secret>`` part), or ``NotFoundError``
    (unknown, used, revoked) or ``InvalidStateError`` (``invitation_expired``)."""
    with store.read() as session:
        return map_invitation_row_to_view(_open(session, link, now), now)


def accept_invitation(
    store: Store, link: str, data: Mapping[str, Any], *, now: datetime
) -> StartedSession:
    """Create the invited person with the name and password of ``data``, and sign them in."""
    validator = Validator(data)
    validator.allowed(("name", "password"))
    validator.text("name", empty=False)
    with store.read() as session:
        email = _open(session, link, now).email
    check_password(validator, "password", email)
    validator.raise_if_any()
    password_hash = hash_password(data["password"])
    with store.write() as session:
        row = _open(session, link, now)
        name = (data.get("name") or row.name or row.email).strip()
        joined = Actor(kind="person", id="", name=name)
        person = add_person(
            session, joined, email=row.email, name=name, password_hash=password_hash,
            grants=[(row.project, row.role)],
        )  # fmt: skip
        row.accepted_at, row.person_id = now, person.id
        return start_person_session(session, person, now=now)


def map_invitation_row_to_view(row: Invitation, now: datetime) -> InvitationView:
    state = "open"
    if row.accepted_at is not None:
        state = "accepted"
    elif row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at <= now:
        state = "expired"
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "project": row.project,
        "role": row.role,
        "created_by": row.created_by,
        "created_at": format_time(row.created_at),
        "expires_at": format_time(row.expires_at),
        "state": state,
    }


def _open(session: Any, link: str, now: datetime) -> Invitation:
    match = _LINK.fullmatch(link) if isinstance(link, str) else None
    row = session.get(Invitation, match.group(1)) if match else None
    if (
        match is None
        or row is None
        or not hmac.compare_digest(_hash(match.group(2)), row.secret_hash)
    ):
        raise NotFoundError("invitation", "link", "this invitation link is not valid")
    if row.accepted_at is not None or row.revoked_at is not None:
        raise NotFoundError("invitation", row.id, "this invitation has been used or revoked")
    if row.expires_at <= now:
        raise InvitationExpiredError("this invitation has expired; ask for a new one")
    invitation: Invitation = row
    return invitation


def _is_id(value: str) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{16}", value) is not None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
