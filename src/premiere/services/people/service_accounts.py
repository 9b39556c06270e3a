"""Service accounts: names that pipelines' deploy tokens belong to, so the audit log
says "the release pipeline" rather than a token id, and removing the account revokes
every token it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.mappers import TokenCreated, TokenView, map_token_row_to_view
from premiere.services.people.accounts import (
    PersonView,
    get_person_row,
    list_people,
    remove_person,
)
from premiere.services.people.tokens import create_token
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.models import ApiToken

SERVICE = "service"


def list_service_accounts(store: Store) -> list[PersonView]:
    return list_people(store, kind=SERVICE)


def create_service_token(
    store: Store, actor: Actor, account_id: str, data: Mapping[str, Any]
) -> TokenCreated:
    """A deploy token owned by service account ``account_id``: ``name``, optional
    ``project`` (the one project it may touch) and ``expires_in_days``."""
    validator = Validator(data)
    validator.allowed(("name", "project", "expires_in_days"))
    validator.raise_if_any()
    _check_account(store, account_id)
    return create_token(store, actor, {**data, "scope": "deploy"}, owner=account_id)


def list_service_tokens(store: Store, account_id: str) -> list[TokenView]:
    """The tokens of service account ``account_id`` that are not revoked."""
    _check_account(store, account_id)
    with store.read() as session:
        rows = session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == account_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at, ApiToken.id)
        )
        return [map_token_row_to_view(row) for row in rows]


def remove_service_account(store: Store, actor: Actor, account_id: str) -> PersonView:
    """Remove a service account: its tokens are revoked at once."""
    _check_account(store, account_id)
    return remove_person(store, actor, account_id)


def _check_account(store: Store, account_id: str) -> None:
    with store.read() as session:
        try:
            row = get_person_row(session, account_id)
        except NotFoundError:
            row = None
        if row is None or row.kind != SERVICE or row.removed_at is not None:
            raise NotFoundError("service_account", str(account_id))
