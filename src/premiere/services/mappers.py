"""Rows to the JSON views the HTTP API serves and the audit log records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

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


def format_time(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, always with microseconds."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _stamps(row: Project | Environment | Service | Flag | Segment) -> dict[str, Any]:
    return {
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def map_project_row_to_view(row: Project) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "description": row.description, **_stamps(row)}


def map_environment_row_to_view(row: Environment, project: str) -> dict[str, Any]:
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "position": row.position,
        "production": row.production,
        **_stamps(row),
    }


def map_service_row_to_view(row: Service, project: str) -> dict[str, Any]:
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "description": row.description,
        "repository": row.repository,
        **_stamps(row),
    }


def map_flag_config_row_to_view(row: FlagConfig, flag: str, environment: str) -> dict[str, Any]:
    config = row.config
    return {
        "flag": flag,
        "environment": environment,
        **{field: config.get(field) for field in CONFIG_FIELDS},
        "version": row.version,
        "updated_at": format_time(row.updated_at),
    }


def map_flag_row_to_view(
    row: Flag, project: str, configs: Mapping[str, FlagConfig]
) -> dict[str, Any]:
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


def map_flag_rows_to_document_flag(row: Flag, config: FlagConfig) -> dict[str, Any]:
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
        **{field: config.config.get(field) for field in CONFIG_FIELDS},
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


def map_segment_row_to_view(row: Segment, project: str) -> dict[str, Any]:
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


def map_segment_row_to_document_segment(row: Segment) -> dict[str, Any]:
    return {
        "key": row.key,
        "version": row.version,
        "included": row.included,
        "excluded": row.excluded,
        "rules": row.rules,
    }


def map_audit_event_row_to_view(row: AuditEvent) -> dict[str, Any]:
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


def map_token_row_to_view(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "scope": row.scope,
        "project": row.project,
        "environment": row.environment,
        "created_at": format_time(row.created_at),
        "last_used_at": format_time(row.last_used_at),
        "revoked_at": format_time(row.revoked_at),
    }
