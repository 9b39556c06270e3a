"""A person's own account: who am I, my personal tokens, my password.

A personal token acts with its owner's roles, never more: it may be limited further
to a role (``role``), and a token made with a limited token is limited as much. It
expires after ``expires_in_days`` (default 90). Changing the password ends the
person's console sessions and revokes their other personal tokens (a password that
leaked may have been traded for tokens); the token that made the change keeps working.
Wrong current passwords count towards the sign-in throttle of the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select

from premiere.errors import NotFoundError, PermissionDeniedError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.mappers import TokenCreated, TokenView, map_token_row_to_view
from premiere.services.people import throttle
from premiere.services.people.accounts import (
    GrantView,
    end_person_sessions,
    forget_tokens,
    get_person_row,
)
from premiere.services.people.passwords import check_password, hash_password, verify_password
from premiere.services.people.permissions import RANK, ROLES, role_of
from premiere.services.people.token_work import withdraw_token_work
from premiere.services.people.tokens import TokenInfo, create_token, revoke_token
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.models import ApiToken

DEFAULT_DAYS = 90
PERSONAL = "personal"


class MeView(TypedDict):
    kind: str
    id: str
    name: str
    email: str | None
    scope: str
    token: str
    project: str | None
    roles: list[GrantView]
    role: str | None


def describe_caller(store: Store, info: TokenInfo) -> MeView:
    """Who ``info`` acts as: the person, service account or token; its scope, binding,
    roles (a person's grants) and ``role``, the highest role it acts with anywhere."""
    actor = info.caller.actor
    email = None
    if info.owner is not None:
        with store.read() as session:
            email = get_person_row(session, info.owner.id).email
    roles: list[GrantView] = [{"project": project, "role": role} for project, role in info.grants]
    roles.sort(key=lambda grant: (grant["project"] is not None, grant["project"] or ""))
    return {
        "kind": actor.kind,
        "id": actor.id,
        "name": actor.name,
        "email": email,
        "scope": info.scope,
        "token": info.id,
        "project": info.project,
        "roles": roles,
        "role": _highest_role(info),
    }


def _highest_role(info: TokenInfo) -> str | None:
    caller = info.caller
    held = [role_of(caller, project) for project in {None, *(p for p, _ in info.grants)}]
    found = [role for role in held if role is not None]
    return max(found, key=RANK.__getitem__) if found else None


def list_personal_tokens(store: Store, info: TokenInfo) -> list[TokenView]:
    """The caller's personal tokens that are not revoked, oldest first."""
    person = _person_of(info)
    with store.read() as session:
        rows = session.scalars(
            select(ApiToken)
            .where(
                ApiToken.person_id == person,
                ApiToken.scope == PERSONAL,
                ApiToken.revoked_at.is_(None),
            )
            .order_by(ApiToken.created_at, ApiToken.id)
        )
        return [map_token_row_to_view(row) for row in rows]


def create_personal_token(store: Store, info: TokenInfo, data: Mapping[str, Any]) -> TokenCreated:
    """A personal token of the caller: ``name``, optional ``role``, ``expires_in_days``
    (default 90). A caller limited to a role makes tokens limited as much."""
    person = _person_of(info)
    validator = Validator(data)
    validator.allowed(("name", "role", "expires_in_days"))
    role = data.get("role")
    if info.cap is not None:
        if role is None:
            role = info.cap
        elif role in ROLES and RANK[role] > RANK[info.cap]:
            message = f"a token limited to {info.cap} makes tokens limited to {info.cap} or less"
            validator.add("role", "not_allowed", message)
    validator.raise_if_any()
    fields = {"name": data.get("name"), "scope": PERSONAL, "role": role}
    fields["expires_in_days"] = data.get("expires_in_days", DEFAULT_DAYS)
    return create_token(store, info.caller.actor, fields, owner=person)


def revoke_personal_token(store: Store, info: TokenInfo, token_id: str) -> TokenView:
    """Revoke one of the caller's personal tokens (another's is ``not_found``)."""
    person = _person_of(info)
    with store.read() as session:
        row = session.get(ApiToken, token_id) if isinstance(token_id, str) else None
        mine = row is not None and row.person_id == person and row.scope == PERSONAL
    if not mine:
        raise NotFoundError("token", str(token_id))
    return revoke_token(store, info.caller.actor, token_id)


def change_password(
    store: Store, info: TokenInfo, data: Mapping[str, Any], *, address: str | None, now: datetime
) -> dict[str, Any]:
    """Set the caller's password to ``new`` if ``current`` is theirs; their console
    sessions end and their other personal tokens are revoked. Answers what ended."""
    person = _person_of(info)
    validator = Validator(data)
    validator.allowed(("current", "new"))
    if validator.required("current"):
        validator.text("current", empty=False)
    with store.read() as session:
        row = get_person_row(session, person)
        email, stored = row.email or "", row.password_hash
    check_password(validator, "new", email)
    validator.raise_if_any()
    with store.read() as session:
        throttle.check_throttle(session, email, address, now)
    if stored is None:
        validator.add("current", "password_incorrect", "this account has no password to change")
    elif not verify_password(stored, str(data["current"])[:1024]):
        with store.write() as session:
            throttle.count_failure(session, email, address, now)
        validator.add("current", "password_incorrect", "is not your current password")
    elif data["new"] == data["current"]:
        validator.add("new", "password_unchanged", "must differ from the current password")
    validator.raise_if_any()
    password_hash = hash_password(data["new"])
    return store_password(store, info.caller.actor, person, password_hash, now, keep=info.id)


def store_password(
    store: Store,
    actor: Actor,
    person: str,
    password_hash: str,
    now: datetime,
    *,
    keep: str | None = None,
) -> dict[str, Any]:
    """Set a person's new password hash: their console sessions end and their personal
    tokens are revoked, but ``keep`` (the token that made the change); what ended."""
    with store.write() as session:
        row = get_person_row(session, person)
        row.password_hash, row.password_changed_at = password_hash, now
        row.version += 1
        end_person_sessions(session, person, now)
        tokens = list(
            session.scalars(
                select(ApiToken).where(
                    ApiToken.person_id == person,
                    ApiToken.scope == PERSONAL,
                    ApiToken.revoked_at.is_(None),
                    ApiToken.id != (keep or ""),
                )
            )
        )
        for token in tokens:
            token.revoked_at = now
        session.flush()
        for token in tokens:
            withdraw_token_work(session, actor, token)
        after = {"tokens_revoked": [token.id for token in tokens], "sessions_ended": True}
        record_audit_event(
            session, actor, "person.password_changed", project=None, resource_type="person",
            resource_key=person, after=after,
        )  # fmt: skip
    forget_tokens(store, [token.id for token in tokens])
    return {"id": person, **after}


def _person_of(info: TokenInfo) -> str:
    """The id of the person ``info`` belongs to, or ``PermissionDeniedError``."""
    if info.owner is None or info.owner.kind != "person":
        whose = "a service account's" if info.owner is not None else "nobody's"
        raise PermissionDeniedError(
            "only a person has an account of their own: sign in with a personal token "
            f"(`premiere login`); this {info.scope} token is {whose}",
            {"scope": info.scope, "reason": "not_a_person"},
        )
    return info.owner.id
