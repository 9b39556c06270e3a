"""Flags: metadata (kind, variations, tags, visibility), archiving, and, re-exported
from :mod:`.configs`, the configuration per environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere import engine
from premiere.errors import AlreadyExistsError, ConflictError, InvalidStateError, Violation
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.flags.configs import get_flag_config, update_flag_config
from premiere.services.flags.defaults import default_config, new_salt
from premiere.services.flags.references import (
    archived_prerequisites,
    flags_requiring,
    variation_reference_violations,
)
from premiere.services.lookups import (
    get_flag_row,
    get_project_row,
    list_environment_rows,
    lock_project,
)
from premiere.services.mappers import FlagView, map_flag_row_to_view, map_variations_to_document
from premiere.services.validation import DESCRIPTION_MAX, KEY_PATTERN, Validator
from premiere.store import Store
from premiere.store.concurrency import (
    require_current_version,
    require_version,
    update_versioned,
)
from premiere.store.feed import record_document_change
from premiere.store.models import Environment, Flag, FlagConfig, Project

__all__ = [
    "archive_flag",
    "create_flag",
    "get_flag",
    "get_flag_config",
    "list_flags",
    "restore_flag",
    "update_flag",
    "update_flag_config",
]

METADATA = ("name", "description", "kind", "variations", "tags", "client_visible")
BOOLEAN_VARIATIONS = [
    {"value": True, "name": "on", "description": None},
    {"value": False, "name": "off", "description": None},
]


def create_flag(store: Store, actor: Actor, project: str, data: Mapping[str, Any]) -> FlagView:
    """Create a flag, off in every environment, serving ``off_variation`` (default: the
    last); turned on, it serves ``on_variation`` (default: the first) to everyone."""
    kind = data.get("kind", "boolean")
    variations = _variations(data["variations"]) if "variations" in data else _default(kind)
    validator = _validate_metadata(data, kind, variations, creating=True)
    count = len(variations) if isinstance(variations, list) else 0
    on = data.get("on_variation", 0)
    off = data["off_variation"] if "off_variation" in data else count - 1
    for field, index in (("on_variation", on), ("off_variation", off)):
        if isinstance(index, int) and count and not 0 <= index < count:
            validator.add(field, "index_range", f"variation index must be 0..{count - 1}")
    validator.raise_if_any()
    key = data["key"]
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            lock_project(session, project)
            if session.scalar(_flag_id(project_row, key)) is not None:
                raise AlreadyExistsError("flag", key)
            row = Flag(
                project_id=project_row.id,
                key=key,
                name=data.get("name") or key,
                description=data.get("description") or "",
                kind=kind,
                variations=variations,
                tags=_tags(data.get("tags", [])),
                client_visible=data.get("client_visible", False),
                salt=new_salt(),
            )
            session.add(row)
            session.flush()
            environments = list_environment_rows(session, project_row)
            config = default_config(on_variation=on, off_variation=off)
            configs = {
                env.key: FlagConfig(flag_id=row.id, environment_id=env.id, config=config)
                for env in environments
            }
            session.add_all(configs.values())
            session.flush()
            record_document_change(session, project, environments, kind="flag", key=key)
            view = map_flag_row_to_view(row, project, configs)
            record_audit_event(
                session,
                actor,
                "flag.created",
                project=project,
                resource_type="flag",
                resource_key=key,
                after=_audit_view(view),
            )
    except IntegrityError:
        raise AlreadyExistsError("flag", key) from None
    return view


def list_flags(
    store: Store,
    project: str,
    *,
    include_archived: bool = False,
    tag: str | None = None,
    query: str | None = None,
) -> list[FlagView]:
    """Flags by key; ``query`` matches key, name or description, case-insensitively."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = select(Flag).where(Flag.project_id == project_row.id).order_by(Flag.key)
        if not include_archived:
            statement = statement.where(Flag.archived.is_(False))
        rows = [row for row in session.scalars(statement) if _matches(row, tag, query)]
        configs = configs_by_flag(session, [row.id for row in rows])
        return [map_flag_row_to_view(row, project, configs.get(row.id, {})) for row in rows]


def get_flag(store: Store, project: str, key: str) -> FlagView:
    with store.read() as session:
        row = get_flag_row(session, get_project_row(session, project), key)
        return map_flag_row_to_view(
            row, project, configs_by_flag(session, [row.id]).get(row.id, {})
        )


def update_flag(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> FlagView:
    """Change metadata; variations may only shrink while no configuration uses the removed
    ones."""
    expected = require_version(expected_version, "flag", key)
    with store.write() as session:
        project_row = get_project_row(session, project)
        lock_project(session, project)
        row = get_flag_row(session, project_row, key)
        require_current_version("flag", key, row.version, expected)
        kind = data.get("kind", row.kind)
        variations = _variations(data["variations"]) if "variations" in data else row.variations
        validator = _validate_metadata(data, kind, variations, creating=False)
        shrinks = isinstance(variations, list) and len(variations) < len(row.variations)
        if not validator.violations and shrinks:
            validator.extend(variation_reference_violations(session, row, len(variations)))
        validator.raise_if_any()
        values: dict[str, Any] = {f: data[f] for f in METADATA if f in data}
        values["variations"] = variations
        if "tags" in data:
            values["tags"] = _tags(data["tags"])
        return _change(session, actor, project_row, row, expected, values, "flag.updated")


def archive_flag(
    store: Store, actor: Actor, project: str, key: str, expected_version: int | None
) -> FlagView:
    """Take a flag out of every flag document; refused while live flags require it."""
    expected = require_version(expected_version, "flag", key)
    with store.write() as session:
        project_row = get_project_row(session, project)
        lock_project(session, project)
        row = get_flag_row(session, project_row, key)
        require_current_version("flag", key, row.version, expected)
        if row.archived:
            raise InvalidStateError(f"flag {key!r} is already archived")
        dependants = flags_requiring(session, row)
        if dependants:
            raise ConflictError(
                f"flag {key!r} is a prerequisite of {', '.join(map(repr, dependants))}",
                {"resource": "flag", "key": key, "required_by": dependants},
            )
        return _change(
            session, actor, project_row, row, expected, {"archived": True}, "flag.archived"
        )


def restore_flag(
    store: Store, actor: Actor, project: str, key: str, expected_version: int | None
) -> FlagView:
    """Bring an archived flag back; refused while it requires archived flags."""
    expected = require_version(expected_version, "flag", key)
    with store.write() as session:
        project_row = get_project_row(session, project)
        lock_project(session, project)
        row = get_flag_row(session, project_row, key)
        require_current_version("flag", key, row.version, expected)
        if not row.archived:
            raise InvalidStateError(f"flag {key!r} is not archived")
        archived = archived_prerequisites(session, row)
        if archived:
            raise ConflictError(
                f"flag {key!r} requires archived {', '.join(map(repr, archived))}",
                {"resource": "flag", "key": key, "requires": archived},
            )
        return _change(
            session, actor, project_row, row, expected, {"archived": False}, "flag.restored"
        )


def _change(
    session: Session,
    actor: Actor,
    project: Project,
    row: Flag,
    expected: int,
    values: dict[str, Any],
    action: str,
) -> FlagView:
    """Apply a metadata change: new version, every environment's document bumped, audited."""
    configs = configs_by_flag(session, [row.id]).get(row.id, {})
    before = map_flag_row_to_view(row, project.key, configs)
    update_versioned(session, Flag, row.id, expected, values, resource="flag", key=row.key)
    session.refresh(row)
    environments = list_environment_rows(session, project)
    record_document_change(session, project.key, environments, kind="flag", key=row.key)
    after = map_flag_row_to_view(row, project.key, configs)
    record_audit_event(
        session,
        actor,
        action,
        project=project.key,
        resource_type="flag",
        resource_key=row.key,
        before=_audit_view(before),
        after=_audit_view(after),
    )
    return after


def _validate_metadata(
    data: Mapping[str, Any], kind: Any, variations: Any, *, creating: bool
) -> Validator:
    validator = Validator(data)
    validator.allowed(("key", *METADATA, "on_variation", "off_variation") if creating else METADATA)
    if creating:
        validator.key()
    validator.text("name", empty=False)
    validator.text("description", max_length=DESCRIPTION_MAX)
    validator.string_list("tags", pattern=KEY_PATTERN)
    validator.boolean("client_visible")
    validator.integer("on_variation")
    validator.integer("off_variation", null=True)
    if not isinstance(kind, str) or kind not in engine.KINDS:
        validator.add("kind", "enum", f"kind must be one of {', '.join(engine.KINDS)}")
    elif variations is None and "variations" not in data:
        validator.add("variations", "required", f"a {kind} flag needs its variations")
    if variations is None:
        if "variations" in data:
            validator.add("variations", "type", "variations must be a list")
        return validator
    probe = {"key": "probe", "kind": kind, "variations": map_variations_to_document(variations)}
    validator.extend(
        engine.validate_flag({**probe, **default_config(on_variation=0, off_variation=0)})
    )
    validator.extend(_duplicate_values(variations))
    return validator


def _default(kind: Any) -> list[dict[str, Any]] | None:
    """Boolean flags get on/off; other kinds must list their variations."""
    return [dict(v) for v in BOOLEAN_VARIATIONS] if kind == "boolean" else None


def _variations(given: Any) -> Any:
    """Normalise to ``{"value", "name", "description"}``; junk is kept for validation."""
    if not isinstance(given, list) or not all(isinstance(v, Mapping) for v in given):
        return given
    return [{**v, "name": v.get("name"), "description": v.get("description")} for v in given]


def _duplicate_values(variations: Any) -> list[Violation]:
    seen: list[Any] = []
    found: list[Violation] = []
    for i, variation in enumerate(variations if isinstance(variations, list) else []):
        if not isinstance(variation, Mapping) or "value" not in variation:
            continue
        value = variation["value"]
        if any(value == s and type(value) is type(s) for s in seen):
            found.append(Violation(f"variations[{i}].value", "duplicate", "value given twice"))
        seen.append(value)
    return found


def _tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def _matches(row: Flag, tag: str | None, query: str | None) -> bool:
    if tag is not None and tag not in row.tags:
        return False
    if query:
        needle = query.casefold()
        return any(needle in text.casefold() for text in (row.key, row.name, row.description))
    return True


def configs_by_flag(session: Session, flag_ids: list[int]) -> dict[int, dict[str, FlagConfig]]:
    """Each flag's configurations by environment key, in environment order."""
    if not flag_ids:
        return {}
    statement = (
        select(FlagConfig, Environment.key)
        .join(Environment, Environment.id == FlagConfig.environment_id)
        .where(FlagConfig.flag_id.in_(flag_ids))
        .order_by(Environment.position, Environment.id)
    )
    found: dict[int, dict[str, FlagConfig]] = {}
    for config, env_key in session.execute(statement):
        found.setdefault(config.flag_id, {})[env_key] = config
    return found


def _flag_id(project: Project, key: str) -> Any:
    return select(Flag.id).where(Flag.project_id == project.id, Flag.key == key)


def _audit_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """The flag without its per-environment configurations (those are audited apart)."""
    return {k: v for k, v in view.items() if k != "environments"}
