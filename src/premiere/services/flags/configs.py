"""A flag's configuration in one environment: on/off, prerequisites, targets, rules,
fallthrough. Each has its own version, so editing staging never conflicts with an edit
of production."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere import engine
from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.flags.defaults import with_rule_ids
from premiere.services.flags.references import (
    prerequisite_reference_violations,
    segment_reference_violations,
)
from premiere.services.lookups import (
    get_environment_row,
    get_flag_row,
    get_project_row,
    lock_project,
)
from premiere.services.mappers import (
    CONFIG_FIELDS,
    FlagConfigView,
    map_flag_config_row_to_view,
    map_variations_to_document,
)
from premiere.services.releases.locks import reject_locked_flag
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.concurrency import (
    require_current_version,
    require_version,
    update_versioned,
)
from premiere.store.feed import record_document_change
from premiere.store.models import Environment, Flag, FlagConfig

# What a replacing update (PUT) starts from; ``fallthrough`` has no default.
REPLACE_DEFAULTS: dict[str, Any] = {
    "on": False,
    "off_variation": None,
    "prerequisites": [],
    "targets": [],
    "rules": [],
}


def get_flag_config(store: Store, project: str, key: str, environment: str) -> FlagConfigView:
    with store.read() as session:
        return read_flag_config(session, project, key, environment)


def read_flag_config(session: Session, project: str, key: str, environment: str) -> FlagConfigView:
    """``get_flag_config`` inside the caller's transaction."""
    project_row = get_project_row(session, project)
    flag = get_flag_row(session, project_row, key)
    env = get_environment_row(session, project_row, environment)
    return map_flag_config_row_to_view(_config_row(session, flag, env), key, environment)


def update_flag_config(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    environment: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    partial: bool,
) -> FlagConfigView:
    """Replace (PUT) or merge the given top-level fields into (PATCH) the configuration.

    The merged flag must pass the engine's validation; rules may only name segments
    of the project; prerequisites must be live flags and must not form a cycle.
    Rules given without an ``id`` get a generated one. A flag that a release in flight
    controls in ``environment`` is refused (``flag_locked_by_release``, see
    :mod:`premiere.services.releases.locks`) to everyone but that release.
    """
    expected = require_version(expected_version, "flag_config", f"{key}/{environment}")
    with store.write() as session:
        return write_flag_config(
            session, actor, project, key, environment, data, expected, partial=partial
        )


def write_flag_config(
    session: Session,
    actor: Actor,
    project: str,
    key: str,
    environment: str,
    data: Mapping[str, Any],
    expected: int | None,
    *,
    partial: bool,
    record_change: bool = True,
) -> FlagConfigView:
    """``update_flag_config`` inside the caller's transaction (``expected`` None: the
    current version). With ``record_change=False`` the caller records the document
    change itself, once for everything it writes in the transaction."""
    validator = Validator(data)
    validator.allowed(CONFIG_FIELDS)
    validator.raise_if_any()
    project_row = get_project_row(session, project)
    lock_project(session, project)
    flag = get_flag_row(session, project_row, key)
    env = get_environment_row(session, project_row, environment)
    reject_locked_flag(session, actor, project_row, key, environment)
    row = _config_row(session, flag, env)
    expected = row.version if expected is None else expected
    require_current_version("flag_config", f"{key}/{environment}", row.version, expected)
    base = row.config if partial else REPLACE_DEFAULTS
    config = {**base, **{f: data[f] for f in CONFIG_FIELDS if f in data}}
    config["rules"] = with_rule_ids(config.get("rules"))
    validator.extend(engine.validate_flag(document_flag(flag, config)))
    if not validator.violations:
        validator.extend(segment_reference_violations(session, project_row.id, config))
        validator.extend(prerequisite_reference_violations(session, flag, env, config))
    validator.raise_if_any()
    before = map_flag_config_row_to_view(row, key, environment)
    update_versioned(
        session,
        FlagConfig,
        row.id,
        expected,
        {"config": config},
        resource="flag_config",
        key=f"{key}/{environment}",
    )
    session.refresh(row)
    if record_change:
        record_document_change(session, project, [env], kind="flag", key=key)
    after = map_flag_config_row_to_view(row, key, environment)
    record_audit_event(
        session,
        actor,
        "flag_config.updated",
        project=project,
        resource_type="flag",
        resource_key=key,
        environment=environment,
        before=before,
        after=after,
    )
    return after


def document_flag(flag: Flag, config: Mapping[str, Any]) -> dict[str, Any]:
    """The flag as the engine sees it, with ``config`` as its configuration."""
    return {
        "key": flag.key,
        "kind": flag.kind,
        "salt": flag.salt,
        "client_visible": flag.client_visible,
        "variations": map_variations_to_document(flag.variations),
        **{field: config[field] for field in CONFIG_FIELDS if field in config},
    }


def _config_row(session: Session, flag: Flag, environment: Environment) -> FlagConfig:
    row = session.scalar(
        select(FlagConfig).where(
            FlagConfig.flag_id == flag.id, FlagConfig.environment_id == environment.id
        )
    )
    if row is None:  # pragma: no cover - every flag has a configuration per environment
        raise NotFoundError("flag_config", f"{flag.key}/{environment.key}")
    return row
