"""API tokens: ``prm_<id>_<secret>``; only the SHA-256 of the secret is stored.

Scopes: ``admin`` (everything), ``deploy`` (reads, and records deployments; optionally
limited to one project; a service account's pipeline token), ``personal`` (a person's
own token: acts with the person's role, never more, and may expire), ``sdk-server`` and
``sdk-client`` (one project's environment each), ``feed`` (one project's calendar feed,
read only: the one scope a token may have when it is sent in a URL, as calendar clients
cannot send headers). What each may do is in ``permissions``.

A token belongs to a person or a service account (``person_id``), or, if it was made
before people existed, to nobody: it then acts by its scope alone, and the audit log
names the token. A removed owner's tokens stop working at once (see ``token_cache``
for how soon on other replicas).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from premiere.errors import AuthenticationError, NotFoundError
from premiere.services import SYSTEM, Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import TokenCreated, TokenView, map_token_row_to_view
from premiere.services.people.permissions import ROLES, Caller, Grant
from premiere.services.people.token_cache import (
    LAST_USED_RESOLUTION,
    OWNED_TTL,
    TOKEN_CACHE_TTL,
    TokenCache,
    token_cache,
    use_token_cache,
)
from premiere.services.people.token_work import withdraw_token_work
from premiere.services.validation import Validator
from premiere.store import Store, lock_for_update
from premiere.store.models import ApiToken, ConsoleSession
from premiere.store.people import Person, RoleGrant
from premiere.store.types import utc_now

SCOPES = ("admin", "deploy", "personal", "sdk-server", "sdk-client", "feed")
PREFIX = "prm_"
BINDINGS: dict[str, tuple[str, str]] = {
    "admin": ("not_allowed", "not_allowed"),
    "deploy": ("allowed", "not_allowed"),
    "personal": ("not_allowed", "not_allowed"),
    "sdk-server": ("required", "required"),
    "sdk-client": ("required", "required"),
    "feed": ("required", "not_allowed"),
}
"""Per scope: whether a token names a project, then an environment."""
_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
_RAW_PATTERN = re.compile(r"^prm_([0-9a-f]{16})_(.+)$", re.DOTALL)
_NO_HASH = hashlib.sha256(b"no such token").hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """What an authenticated request may act as: the token, and its owner if it has one
    (``owner``: kind "person" or "service", id, name; ``grants``: the owner's roles)."""

    id: str
    name: str
    scope: str
    project: str | None
    environment: str | None
    owner: Actor | None = None
    grants: tuple[Grant, ...] = ()
    cap: str | None = None

    @property
    def caller(self) -> Caller:
        actor = self.owner or Actor(kind="token", id=self.id, name=self.name)
        person = self.owner.id if self.owner is not None else None
        return Caller(self.scope, actor, self.project, self.grants, self.cap, person)


def create_token(
    store: Store, actor: Actor, data: Mapping[str, Any], *, owner: str | None = None
) -> TokenCreated:
    """Create a token; the returned view holds the raw ``token``, which is never shown again.
    ``owner``: the person or service account it belongs to (a personal token needs one)."""
    _check(data, owner)
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
            person_id=owner,
            role=data.get("role"),
            expires_at=expiry(data.get("expires_in_days")),
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
    """The token ``raw`` stands for, or ``AuthenticationError`` (unknown, wrong, revoked,
    expired, or its owner removed)."""
    if not isinstance(raw, str):
        raise AuthenticationError("unknown token")
    cache = token_cache(store)
    cached = cache.get(raw)
    if cached is not None:
        return cached
    generation = cache.generation
    token_id, secret = _split(raw)
    now = cache.wall_clock()
    with store.read() as session:
        row = session.get(ApiToken, token_id)
        stored = row.secret_hash if row is not None else _NO_HASH
        matches = hmac.compare_digest(_hash(secret), stored)
        if row is None or not matches:
            raise AuthenticationError("unknown token")
        if row.revoked_at is not None:
            raise AuthenticationError("the token has been revoked")
        if row.expires_at is not None and row.expires_at <= now:
            raise AuthenticationError("the token has expired")
        info = TokenInfo(row.id, row.name, row.scope, row.project, row.environment)
        if row.person_id is not None:
            info = _with_owner(session, info, row)
        last_used = row.last_used_at
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        _touch(store, token_id, now)
        last_used = now
    ttl = OWNED_TTL if info.owner is not None else None
    cache.put(raw, info, last_used, generation, ttl=ttl)
    return info


def _with_owner(session: Session, info: TokenInfo, row: ApiToken) -> TokenInfo:
    owner = session.get(Person, row.person_id)
    if owner is None or owner.removed_at is not None:
        raise AuthenticationError("the token's owner has been removed")
    grants = tuple(
        (grant.project, grant.role)
        for grant in session.scalars(select(RoleGrant).where(RoleGrant.person_id == owner.id))
    )
    actor = Actor(
        kind="service" if owner.kind == "service" else "person", id=owner.id, name=owner.name
    )
    return replace(info, owner=actor, grants=grants, cap=row.role)


def expiry(days: Any) -> datetime | None:
    """When a token made now for ``days`` days expires (None: never)."""
    if days is None:
        return None
    return utc_now() + timedelta(days=int(days))


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


MAX_DAYS = 366


def _check_personal(
    validator: Validator, data: Mapping[str, Any], scope: str, owner: str | None
) -> None:
    if scope == "personal" and owner is None:
        message = "a personal token is made by its owner (/api/v1/me/tokens)"
        validator.add("scope", "not_allowed", message)
    if data.get("role") is not None:
        if scope != "personal":
            validator.add("role", "not_allowed", "only a personal token is limited to a role")
        elif data["role"] not in ROLES:
            validator.add("role", "enum", f"must be one of {', '.join(ROLES)}")
    days = data.get("expires_in_days")
    if days is not None and (type(days) is not int or not 1 <= days <= MAX_DAYS):
        message = f"must be a whole number of days from 1 to {MAX_DAYS}"
        validator.add("expires_in_days", "range", message)


def _check(data: Mapping[str, Any], owner: str | None) -> None:
    validator = Validator(data)
    validator.allowed(("name", "scope", "project", "environment", "role", "expires_in_days"))
    if validator.required("name"):
        validator.text("name", empty=False)
    if validator.required("scope") and data["scope"] not in SCOPES:
        validator.add("scope", "enum", f"must be one of {', '.join(SCOPES)}")
    validator.text("project", max_length=128, null=True)
    validator.text("environment", max_length=128, null=True)
    scope = str(data.get("scope"))
    _check_personal(validator, data, scope, owner)
    _check_bindings(validator, data, scope)
    validator.raise_if_any()


def _check_bindings(validator: Validator, data: Mapping[str, Any], scope: str) -> None:
    rules = BINDINGS.get(scope, ("allowed", "allowed"))
    for field, rule in zip(("project", "environment"), rules, strict=True):
        present = data.get(field) is not None
        if rule == "required" and not present:
            validator.add(field, "required", f"a {scope} token needs a {field}")
        elif rule == "not_allowed" and present:
            what = "an environment" if scope in {"deploy", "feed"} else "a project"
            article = "an" if scope == "admin" else "a"
            validator.add(field, "not_allowed", f"{article} {scope} token is not limited to {what}")


__all__ = [
    "SCOPES",
    "TOKEN_CACHE_TTL",
    "TokenCache",
    "TokenInfo",
    "authenticate",
    "authenticate_cached",
    "authenticate_stale",
    "create_token",
    "ensure_admin_token",
    "forget_cached_token",
    "forget_cached_tokens",
    "list_tokens",
    "revoke_token",
    "token_cache",
    "use_token_cache",
]
