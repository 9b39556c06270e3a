"""A person's own account: changing their password, and the tokens that belong to a
person or a service account (a person's personal tokens, a service account's deploy
tokens).

Changing a password needs the current one (wrong guesses count towards the sign-in
throttle of the account), ends every session of the person and revokes their personal
tokens, as the API's change does (``own_account.store_password``); the caller gets a
new session, so the browser that made the change stays signed in and no other does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.mappers import TokenCreated, TokenView, map_token_row_to_view
from premiere.services.people import throttle
from premiere.services.people.accounts import get_person_row
from premiere.services.people.own_account import store_password
from premiere.services.people.passwords import check_password, hash_password, verify_password
from premiere.services.people.sessions import StartedSession, start_person_session
from premiere.services.people.tokens import create_token, revoke_token
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.models import ApiToken
from premiere.store.people import Person

SCOPE_OF_KIND = {"person": "personal", "service": "deploy"}
"""The tokens an owner makes: a person's are personal, a service account's deploy."""


def change_password(
    store: Store, person_id: str, current: Any, new: Any, *, now: datetime
) -> StartedSession:
    """Set the password of ``person_id`` to ``new`` if ``current`` is theirs; every session
    of theirs ends, their personal tokens are revoked, and the returned session starts.
    ``ValidationError`` on ``current_password`` (``password_incorrect``) or
    ``new_password`` (the policy, ``password_unchanged``); ``RateLimitedError`` while the
    account's sign-in is throttled."""
    validator = Validator({"current_password": current, "new_password": new})
    with store.read() as session:
        row = get_person_row(session, person_id)
        email, stored, name = row.email or "", row.password_hash, row.name
        throttle.check_throttle(session, email, None, now)
    if stored is None:
        message = "this account has no password to change"
        validator.add("current_password", "password_incorrect", message)
    elif not isinstance(current, str) or not verify_password(stored, current[:1024]):
        with store.write() as session:
            throttle.count_failure(session, email, None, now)
        validator.add("current_password", "password_incorrect", "is not your current password")
    elif current == new:
        validator.add("new_password", "password_unchanged", "must differ from the current one")
    check_password(validator, "new_password", email)
    validator.raise_if_any()
    actor = Actor(kind="person", id=person_id, name=name)
    store_password(store, actor, person_id, hash_password(new), now)
    with store.write() as session:
        return start_person_session(session, get_person_row(session, person_id), now=now)


def anyone_has_password(store: Store) -> bool:
    """Whether anyone may sign in with a password at all (else only with a token)."""
    with store.read() as session:
        query = select(Person.id).where(
            Person.kind == "person", Person.password_hash.is_not(None), Person.removed_at.is_(None)
        )
        return session.scalar(query.limit(1)) is not None


def list_owned_tokens(store: Store, owner_id: str) -> list[TokenView]:
    """The tokens of a person or service account, live ones first, newest first."""
    with store.read() as session:
        get_person_row(session, owner_id)
        rows = session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == owner_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
        views = [map_token_row_to_view(row) for row in rows]
    return sorted(views, key=lambda view: view["revoked_at"] is not None)


def create_owned_token(
    store: Store, actor: Actor, owner_id: str, data: Mapping[str, Any], *, kind: str = "person"
) -> TokenCreated:
    """A token of the person (personal: ``name``, ``role`` cap, ``expires_in_days``) or
    the service account (deploy: ``name``, ``project``, ``expires_in_days``) ``owner_id``;
    ``NotFoundError`` unless the owner is of ``kind`` and not removed."""
    with store.read() as session:
        owner = get_person_row(session, owner_id)
        if owner.removed_at is not None or owner.kind != kind:
            raise NotFoundError(owner.kind, owner_id)
        scope = SCOPE_OF_KIND[owner.kind]
    return create_token(store, actor, {**data, "scope": scope}, owner=owner_id)


def revoke_owned_token(store: Store, actor: Actor, owner_id: str, token_id: str) -> TokenView:
    """Revoke a token of ``owner_id``; ``NotFoundError`` for a token of anyone else."""
    with store.read() as session:
        row = session.get(ApiToken, token_id) if isinstance(token_id, str) else None
        if row is None or row.person_id != owner_id:
            raise NotFoundError("token", str(token_id))
    return revoke_token(store, actor, token_id)
