"""Writing a release's stages into its flags' configurations.

Every function works inside the transaction of the release action that calls it, so
the flag writes and the release's own state change commit together or not at all.
Each flag is written through ``write_flag_config`` (versioned, validated, one audit
event ``flag_config.updated`` per flag, actor ``{"kind": "release", "id": <key>}``),
and the action records one document change for all of them: SDKs see one new
document version per action, holding every flag it changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from premiere.services import Actor
from premiere.services.flags.configs import read_flag_config, write_flag_config
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import CONFIG_FIELDS
from premiere.services.releases.plan import (
    completed_config,
    restored_config,
    stage_config,
    without_release_rules,
)
from premiere.store.feed import record_document_change
from premiere.store.models import Environment, Flag, FlagConfig
from premiere.store.releases import Release

Make = Callable[[Mapping[str, Any]], dict[str, Any]]


def release_actor(key: str) -> Actor:
    return Actor(kind="release", id=key, name=f"release {key}")


def spec_of(row: Release) -> dict[str, Any]:
    spec = row.spec
    return {
        "environment": row.environment,
        "features": spec["features"],
        "audience": spec["audience"]["segment"],
        "stages": spec["plan"]["stages"],
    }


def take_snapshots(session: Session, row: Release) -> dict[str, Any]:
    """Each flag's configuration before the release (kept from an earlier start)."""
    snapshots = dict(row.snapshots or {})
    wanted = [f["flag"] for f in row.spec["features"] if f["flag"] not in snapshots]
    if wanted:
        configs = session.execute(
            select(Flag.key, FlagConfig.config)
            .join(FlagConfig, FlagConfig.flag_id == Flag.id)
            .join(Environment, Environment.id == FlagConfig.environment_id)
            .where(
                Flag.project_id == row.project_id,
                Flag.key.in_(wanted),
                Environment.key == row.environment,
            )
        )
        for flag, config in configs:
            snapshots[flag] = without_release_rules(config, row.key)
        session.execute(
            update(Release)
            .where(Release.id == row.id, Release.version == row.version)
            .values(snapshots=snapshots)
            .execution_options(synchronize_session=False)
        )
    return snapshots


def apply_stage(
    session: Session,
    project: str,
    key: str,
    snapshots: Mapping[str, Any],
    spec: Mapping[str, Any],
    index: int,
) -> None:
    """Stages ``0..index`` applied to every flag of the release."""
    writes: list[tuple[str, Make]] = []
    for feature in spec["features"]:
        snapshot = snapshots[feature["flag"]]
        make = partial(
            stage_config, snapshot, key, feature, spec["audience"], spec["stages"], index
        )
        writes.append((feature["flag"], partial(_staged, make)))
    write_flags(session, project, key, spec["environment"], writes)


def complete_flags(
    session: Session, project: str, key: str, snapshots: Mapping[str, Any], spec: Mapping[str, Any]
) -> None:
    """The released variation for everyone (or the audience); the release's rules out."""
    writes: list[tuple[str, Make]] = []
    for feature in spec["features"]:
        make = partial(_completed, snapshots[feature["flag"]], key, feature, spec["audience"])
        writes.append((feature["flag"], make))
    write_flags(session, project, key, spec["environment"], writes)


def restore_flags(
    session: Session, project: str, key: str, snapshots: Mapping[str, Any], row: Release
) -> None:
    """Every flag's pre-release configuration back (see ``restored_config``)."""
    flags = [feature["flag"] for feature in row.spec["features"]]
    writes: list[tuple[str, Make]] = [
        (flag, partial(restored_config, snapshots[flag], release_key=key))
        for flag in flags
        if flag in snapshots
    ]
    write_flags(session, project, key, row.environment, writes)


def write_flags(
    session: Session, project: str, key: str, environment: str, writes: Iterable[tuple[str, Make]]
) -> list[str]:
    """Write each flag's configuration ``make(current)`` unless it is already in
    place; one document change for all. Returns the flags written."""
    changed: list[str] = []
    for flag, make in writes:
        current = read_flag_config(session, project, flag, environment)
        desired = make(current)
        if all(current.get(field) == desired.get(field) for field in CONFIG_FIELDS):
            continue
        fields = {field: desired.get(field) for field in CONFIG_FIELDS}
        write_flag_config(
            session, release_actor(key), project, flag, environment, fields,
            current["version"], partial=True, record_change=False,
        )  # fmt: skip
        changed.append(flag)
    if changed:
        env = get_environment_row(session, get_project_row(session, project), environment)
        record_document_change(session, project, [env], kind="flag", key=changed)
    return changed


def _staged(make: Callable[..., dict[str, Any]], current: Mapping[str, Any]) -> dict[str, Any]:
    return make(current=current)


def _completed(
    snapshot: Mapping[str, Any],
    key: str,
    feature: Mapping[str, Any],
    audience: str | None,
    current: Mapping[str, Any],
) -> dict[str, Any]:
    return completed_config(snapshot, current, key, feature, audience)
