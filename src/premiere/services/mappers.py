"""Rows to the JSON views the HTTP API serves and the audit log records.

Each view is a ``TypedDict``: what a service returns is what the API sends, and
tests/api/test_views.py reads real ones against the API's response models.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict, overload

from premiere.store.models import (
    ApiToken,
    AuditEvent,
    Environment,
    Flag,
    FlagConfig,
    Project,
    Segment,
    Service,
)

CONFIG_FIELDS = ("on", "off_variation", "prerequisites", "targets", "rules", "fallthrough")


class Stamps(TypedDict):
    version: int
    created_at: str
    updated_at: str


class ProjectView(Stamps):
    key: str
    name: str
    description: str


class EnvironmentView(Stamps):
    key: str
    project: str
    name: str
    position: int
    production: bool
    flag_role: str | None


class ServiceView(Stamps):
    key: str
    project: str
    name: str
    description: str
    repository: str | None


class FlagConfigView(TypedDict):
    flag: str
    environment: str
    on: bool
    off_variation: int | None
    prerequisites: list[Any]
    targets: list[Any]
    rules: list[Any]
    fallthrough: Any
    version: int
    updated_at: str


class FlagView(Stamps):
    key: str
    project: str
    name: str
    description: str
    kind: str
    variations: list[Any]
    tags: list[Any]
    client_visible: bool
    archived: bool
    salt: str
    environments: dict[str, FlagConfigView]


class SegmentView(Stamps):
    key: str
    project: str
    name: str
    description: str
    included: list[Any]
    excluded: list[Any]
    rules: list[Any]


class DocumentFlag(TypedDict):
    key: str
    kind: str
    version: int
    salt: str
    client_visible: bool
    variations: list[dict[str, Any]]
    on: bool
    off_variation: int | None
    prerequisites: list[Any]
    targets: list[Any]
    rules: list[Any]
    fallthrough: Any


class DocumentSegment(TypedDict):
    key: str
    version: int
    included: list[Any]
    excluded: list[Any]
    rules: list[Any]


class ActorView(TypedDict):
    kind: str
    id: str
    name: str


class AuditEventView(TypedDict):
    id: int
    at: str
    actor: ActorView
    action: str
    project: str | None
    resource_type: str
    resource_key: str
    environment: str | None
    before: Any
    after: Any
    prev_hash: str | None
    hash: str | None


class AuditPage(TypedDict):
    items: list[AuditEventView]
    next_cursor: str | None


class TokenView(TypedDict):
    id: str
    name: str
    scope: str
    project: str | None
    environment: str | None
    created_at: str
    last_used_at: str | None
    revoked_at: str | None
    owner: str | None
    role: str | None
    expires_at: str | None


class TokenCreated(TokenView):
    token: str


@overload
def format_time(value: datetime) -> str: ...
@overload
def format_time(value: None) -> None: ...
@overload
def format_time(value: datetime | None) -> str | None: ...
def format_time(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, always with microseconds."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _stamps(row: Project | Environment | Service | Flag | Segment) -> Stamps:
    return {
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def map_project_row_to_view(row: Project) -> ProjectView:
    return {"key": row.key, "name": row.name, "description": row.description, **_stamps(row)}


def map_environment_row_to_view(row: Environment, project: str) -> EnvironmentView:
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "position": row.position,
        "production": row.production,
        "flag_role": row.flag_role,
        **_stamps(row),
    }


def map_service_row_to_view(row: Service, project: str) -> ServiceView:
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "description": row.description,
        "repository": row.repository,
        **_stamps(row),
    }


def stored_actor(value: Mapping[str, Any]) -> ActorView:
    """An actor kept as JSON (``{"kind", "id", "name"}``, as written)."""
    return {"kind": value["kind"], "id": value["id"], "name": value["name"]}


def _config_field(config: Mapping[str, Any], field: str) -> Any:
    """A field of a stored configuration (JSON; None when absent)."""
    return config.get(field)


def map_flag_config_row_to_view(row: FlagConfig, flag: str, environment: str) -> FlagConfigView:
    config = row.config
    return {
        "flag": flag,
        "environment": environment,
        "on": _config_field(config, "on"),
        "off_variation": _config_field(config, "off_variation"),
        "prerequisites": _config_field(config, "prerequisites"),
        "targets": _config_field(config, "targets"),
        "rules": _config_field(config, "rules"),
        "fallthrough": _config_field(config, "fallthrough"),
        "version": row.version,
        "updated_at": format_time(row.updated_at),
    }


def map_flag_row_to_view(row: Flag, project: str, configs: Mapping[str, FlagConfig]) -> FlagView:
    """A flag with its configuration in each environment (``configs`` by environment key)."""
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "description": row.description,
        "kind": row.kind,
        "variations": row.variations,
        "tags": row.tags,
        "client_visible": row.client_visible,
        "archived": row.archived,
        "salt": row.salt,
        **_stamps(row),
        "environments": {
            env: map_flag_config_row_to_view(config, row.key, env)
            for env, config in configs.items()
        },
    }


def map_flag_rows_to_document_flag(row: Flag, config: FlagConfig) -> DocumentFlag:
    """One flag of the flag document (docs/flag-document.md) for one environment."""
    return {
        "key": row.key,
        "kind": row.kind,
        # Grows with a change to either the flag or its configuration here.
        "version": row.version + config.version - 1,
        "salt": row.salt,
        "client_visible": row.client_visible,
        "variations": [
            {"value": v["value"], "name": v.get("name")}
            if v.get("name") is not None
            else {"value": v["value"]}
            for v in row.variations
        ],
        "on": _config_field(config.config, "on"),
        "off_variation": _config_field(config.config, "off_variation"),
        "prerequisites": _config_field(config.config, "prerequisites"),
        "targets": _config_field(config.config, "targets"),
        "rules": _config_field(config.config, "rules"),
        "fallthrough": _config_field(config.config, "fallthrough"),
    }


def map_variations_to_document(variations: Any) -> Any:
    """Variations as the flag document has them: no ``null`` name or description.

    Anything that is not a list of objects is passed through for validation to report.
    """
    if not isinstance(variations, list):
        return variations
    return [
        {k: v for k, v in item.items() if v is not None or k == "value"}
        if isinstance(item, Mapping)
        else item
        for item in variations
    ]


def map_segment_row_to_view(row: Segment, project: str) -> SegmentView:
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "description": row.description,
        "included": row.included,
        "excluded": row.excluded,
        "rules": row.rules,
        **_stamps(row),
    }


def map_segment_row_to_document_segment(row: Segment) -> DocumentSegment:
    return {
        "key": row.key,
        "version": row.version,
        "included": row.included,
        "excluded": row.excluded,
        "rules": row.rules,
    }


def map_audit_event_row_to_view(row: AuditEvent) -> AuditEventView:
    return {
        "id": row.id,
        "at": format_time(row.at),
        "actor": {"kind": row.actor_kind, "id": row.actor_id, "name": row.actor_name},
        "action": row.action,
        "project": row.project,
        "resource_type": row.resource_type,
        "resource_key": row.resource_key,
        "environment": row.environment,
        "before": row.before,
        "after": row.after,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def map_token_row_to_view(row: ApiToken) -> TokenView:
    return {
        "id": row.id,
        "name": row.name,
        "scope": row.scope,
        "project": row.project,
        "environment": row.environment,
        "created_at": format_time(row.created_at),
        "last_used_at": format_time(row.last_used_at),
        "revoked_at": format_time(row.revoked_at),
        "owner": row.person_id,
        "role": row.role,
        "expires_at": format_time(row.expires_at),
    }
