"""People and service accounts: who they are, their roles per project, removal.

A person's view never holds their password hash; ``password`` says whether they have
one (people who only sign in with single sign-on have none). Removing a person ends
their console sessions and revokes their tokens in the same transaction, withdrawing
what those tokens left to run later; other replicas refuse the tokens within
``token_cache.OWNED_TTL``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError, NotFoundError, ValidationError, Violation
from premiere.services import Actor, ActorKind
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.people.admins import keep_an_admin
from premiere.services.people.permissions import ROLES
from premiere.services.people.token_cache import token_cache
from premiere.services.people.token_work import withdraw_token_work, withdraw_work
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.models import ApiToken, ConsoleSession
from premiere.store.people import EMAIL_LENGTH, Identity, Person, RoleGrant
from premiere.store.types import utc_now

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_ID_PATTERN = re.compile(r"[0-9a-f]{16}")


class GrantView(TypedDict):
    project: str | None
    role: str


class PersonView(TypedDict):
    id: str
    kind: str
    email: str | None
    name: str
    roles: list[GrantView]
    password: bool
    sso: bool
    created_at: str
    removed_at: str | None


def list_people(store: Store, *, kind: str = "person", removed: bool = False) -> list[PersonView]:
    with store.read() as session:
        query = select(Person).where(Person.kind == kind).order_by(Person.name, Person.id)
        if not removed:
            query = query.where(Person.removed_at.is_(None))
        return [map_person_row_to_view(session, row) for row in session.scalars(query)]


def get_person(store: Store, person_id: str) -> PersonView:
    with store.read() as session:
        return map_person_row_to_view(session, get_person_row(session, person_id))


def create_service_account(store: Store, actor: Actor, data: Mapping[str, Any]) -> PersonView:
    """A service account: a name that pipeline (deploy) tokens belong to."""
    validator = Validator(data)
    validator.allowed(("name",))
    if validator.required("name"):
        validator.text("name", empty=False)
    validator.raise_if_any()
    with store.write() as session:
        row = Person(id=secrets.token_hex(8), kind="service", name=data["name"].strip())
        session.add(row)
        session.flush()
        view = map_person_row_to_view(session, row)
        _audit(session, actor, "service_account.created", row, after=view)
        return view


def add_person(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    password_hash: str | None,
    grants: Sequence[tuple[str | None, str]],
) -> Person:
    """Create a person in ``session`` (an invitation accepted, single sign-on)."""
    email = normalize_email(email)
    if session.scalar(select(Person.id).where(Person.email == email)) is not None:
        raise AlreadyExistsError("person", email)
    row = Person(id=secrets.token_hex(8), kind="person", email=email, name=name.strip() or email)
    row.password_hash = password_hash
    row.password_changed_at = utc_now() if password_hash else None
    session.add(row)
    session.flush()
    for project, role in grants:
        session.add(RoleGrant(person_id=row.id, project=project, role=role))
    session.flush()
    _audit(session, actor, "person.created", row, after=map_person_row_to_view(session, row))
    return row


def set_roles(
    store: Store, actor: Actor, person_id: str, roles: Sequence[Mapping[str, Any]]
) -> PersonView:
    """Replace a person's (or service account's) roles with ``roles``:
    ``[{"project": key or None, "role": ...}]``, at most one per project.
    ``LastAdminError`` when that takes the last admin's role on every project."""
    grants = check_grants(roles)
    with store.write() as session:
        row = get_person_row(session, person_id)
        for project, _ in grants:
            if project is not None:
                get_project_row(session, project)
        keep_an_admin(session, row, grants)
        before = map_person_row_to_view(session, row)
        write_grants(session, row, grants)
        after = map_person_row_to_view(session, row)
        _audit(session, actor, "person.roles_changed", row, before=before, after=after)
        owned = list(session.scalars(select(ApiToken.id).where(ApiToken.person_id == row.id)))
    forget_tokens(store, owned)  # this replica answers with the new roles at once
    return after


def forget_tokens(store: Store, token_ids: Sequence[str]) -> None:
    """Drop these tokens' cached authentication: the next request reads them again."""
    cache = token_cache(store)
    for token_id in token_ids:
        cache.drop(token_id)


def write_grants(session: Session, row: Person, grants: Sequence[tuple[str | None, str]]) -> None:
    for grant in session.scalars(select(RoleGrant).where(RoleGrant.person_id == row.id)):
        session.delete(grant)
    session.flush()
    for project, role in grants:
        session.add(RoleGrant(person_id=row.id, project=project, role=role))
    row.version += 1
    session.flush()


def rename_person(
    store: Store, actor: Actor, person_id: str, data: Mapping[str, Any]
) -> PersonView:
    validator = Validator(data)
    validator.allowed(("name",))
    if validator.required("name"):
        validator.text("name", empty=False)
    validator.raise_if_any()
    with store.write() as session:
        row = get_person_row(session, person_id)
        before = map_person_row_to_view(session, row)
        row.name = data["name"].strip()
        row.version += 1
        session.flush()
        after = map_person_row_to_view(session, row)
        _audit(session, actor, "person.updated", row, before=before, after=after)
        return after


def remove_person(store: Store, actor: Actor, person_id: str) -> PersonView:
    """Remove a person or service account: their sessions end and their tokens are
    revoked at once; the row stays, so the audit log still names them.
    ``LastAdminError`` for the last person with the admin role on every project."""
    with store.write() as session:
        row = get_person_row(session, person_id)
        if row.removed_at is not None:
            return map_person_row_to_view(session, row)
        keep_an_admin(session, row, None)
        before = map_person_row_to_view(session, row)
        now = utc_now()
        row.removed_at = now
        row.version += 1
        end_person_sessions(session, row.id, now)
        tokens = list(
            session.scalars(
                select(ApiToken).where(ApiToken.person_id == row.id, ApiToken.revoked_at.is_(None))
            )
        )
        for token in tokens:
            token.revoked_at = now
        session.flush()
        for token in tokens:
            withdraw_token_work(session, actor, token)
        withdraw_work(session, actor, {"kind": person_actor(row).kind, "id": row.id})
        after = map_person_row_to_view(session, row)
        _audit(session, actor, "person.removed", row, before=before, after=after)
    forget_tokens(store, [token.id for token in tokens])
    return after


def end_person_sessions(session: Session, person_id: str, now: Any) -> None:
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.person_id == person_id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def get_person_row(session: Session, person_id: str) -> Person:
    known = isinstance(person_id, str) and _ID_PATTERN.fullmatch(person_id)
    row = session.get(Person, person_id) if known else None
    if row is None:
        raise NotFoundError("person", str(person_id))
    return row


def check_grants(roles: Any) -> list[tuple[str | None, str]]:
    """``roles`` as (project, role) pairs, or ``ValidationError`` naming the entry."""
    if not isinstance(roles, list):
        raise ValidationError([Violation("roles", "type", "must be a list")])
    violations: list[Violation] = []
    grants: list[tuple[str | None, str]] = []
    for index, entry in enumerate(roles):
        where = f"roles[{index}]"
        if not isinstance(entry, Mapping) or set(entry) - {"project", "role"}:
            violations.append(Violation(where, "type", "must be {project, role}"))
            continue
        project, role = entry.get("project"), entry.get("role")
        if role not in ROLES:
            violations.append(
                Violation(f"{where}.role", "enum", f"must be one of {', '.join(ROLES)}")
            )
        if project is not None and not isinstance(project, str):
            violations.append(
                Violation(f"{where}.project", "type", "must be a project key or null")
            )
        if any(project == seen for seen, _ in grants):
            violations.append(Violation(f"{where}.project", "duplicate", "one role per project"))
        grants.append((project, str(role)))
    if violations:
        raise ValidationError(violations)
    return grants


def check_email(validator: Validator, field: str = "email") -> None:
    if not validator.required(field):
        return
    value = validator.data[field]
    if (
        not isinstance(value, str)
        or len(value) > EMAIL_LENGTH
        or not EMAIL_PATTERN.match(value.strip())
    ):
        validator.add(field, "email", "must be an email address (name@example.com)")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def person_actor(row: Person) -> Actor:
    kind: ActorKind = "service" if row.kind == "service" else "person"
    return Actor(kind=kind, id=row.id, name=row.name)


def map_person_row_to_view(session: Session, row: Person) -> PersonView:
    grants = session.scalars(select(RoleGrant).where(RoleGrant.person_id == row.id))
    roles = sorted(
        ({"project": grant.project, "role": grant.role} for grant in grants),
        key=lambda grant: (grant["project"] is not None, grant["project"] or ""),
    )
    sso = session.scalar(select(Identity.id).where(Identity.person_id == row.id).limit(1))
    return {
        "id": row.id,
        "kind": row.kind,
        "email": row.email,
        "name": row.name,
        "roles": roles,  # type: ignore[typeddict-item]
        "password": row.password_hash is not None,
        "sso": sso is not None,
        "created_at": format_time(row.created_at),
        "removed_at": format_time(row.removed_at),
    }


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    row: Person,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    record_audit_event(
        session, actor, action, project=None, resource_type=row.kind, resource_key=row.id,
        before=before, after=after,
    )  # fmt: skip
