"""One page of a project's flags, searched and filtered, with each flag's state per
environment: what a list of thousands of flags shows without loading them all.

A flag's state in an environment is any of ``on`` or ``off``; ``rolling_out`` (on,
and its fallthrough or a rule serves a percentage rollout); ``in_release`` (a
release not yet released or rolled back names the flag for that environment).
Search matches the key, the name or a tag, case-insensitively; only the page's flags
are read in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypedDict

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from premiere.errors import ValidationError
from premiere.services.flags.definitions import configs_by_flag
from premiere.services.lookups import (
    get_environment_row,
    get_project_row,
    list_environment_rows,
)
from premiere.services.mappers import FlagView, map_flag_row_to_view
from premiere.store import Store
from premiere.store.models import Environment, Flag, FlagConfig
from premiere.store.releases import Release

STATES = ("on", "off", "rolling_out", "in_release")
KINDS = ("boolean", "string", "number", "json")
FINISHED_RELEASES = ("released", "rolled_back")
MAX_LIMIT = 200
MAX_IDS_LISTED = 500
"""Above this many flags, the states query reads every configuration of the
environments and skips the others, rather than list the ids."""
CONFIG_ON = FlagConfig.config["on"].as_boolean()
"""Whether a configuration is on (``on`` is a boolean: the engine's validation)."""
FALLTHROUGH_ROLLOUT = FlagConfig.config[("fallthrough", "rollout")].as_string().is_not(None)
"""Whether its fallthrough serves a rollout."""
NAMES_ROLLOUT = cast(FlagConfig.config, Text).contains('"rollout"')
"""Whether its JSON text has ``"rollout"`` anywhere (a rule may serve one)."""


class FlagPage(TypedDict):
    items: list[FlagView]
    states: dict[str, dict[str, list[str]]]
    """Each listed flag's states by environment key."""
    total: int
    """Live flags in the project."""
    matching: int
    """Flags the search and filters select (``items`` is a page of them)."""


def list_flag_page(
    store: Store,
    project: str,
    *,
    query: str = "",
    kind: str = "",
    environment: str = "",
    state: str = "",
    offset: int = 0,
    limit: int = 50,
) -> FlagPage:
    """The live flags matching ``query``, ``kind`` and ``state`` (in ``environment``,
    or in any when empty), by key, from ``offset``, at most ``limit``."""
    _validate(kind, state, offset, limit)
    with store.read() as session:
        project_row = get_project_row(session, project)
        environments = list_environment_rows(session, project_row)
        if environment:
            environments = [get_environment_row(session, project_row, environment)]
        needle = query.strip().casefold()
        # Names and tags (JSON) are read only when a search needs them.
        wanted = (Flag.name, Flag.tags) if needle else ()
        columns = select(Flag.id, Flag.key, Flag.kind, *wanted).where(
            Flag.project_id == project_row.id, Flag.archived.is_(False)
        )
        rows = session.connection().execute(columns.order_by(Flag.key)).all()  # no ORM rows
        total = len(rows)
        ids = [row.id for row in rows if _matches(row, needle, kind)]
        releases = _releases_by_flag(session, project_row.id)
        if state:
            keys = {row.id: row.key for row in rows}
            found = _with_state(session, state, ids, environments, keys, releases)
            ids = [i for i in ids if i in found]
        page = ids[offset : offset + limit]
        flags = session.scalars(select(Flag).where(Flag.id.in_(page)).order_by(Flag.key)).all()
        configs = configs_by_flag(session, page)
        items = [map_flag_row_to_view(flag, project, configs.get(flag.id, {})) for flag in flags]
    return {
        "items": items,
        "states": {item["key"]: flag_states(item, releases.get(item["key"], {})) for item in items},
        "total": total,
        "matching": len(ids),
    }


def flag_states(flag: FlagView, releases: Mapping[str, Any]) -> dict[str, list[str]]:
    """The states of ``flag`` per environment (``releases``: environments naming it)."""
    return {
        env: config_states(config, env in releases) for env, config in flag["environments"].items()
    }


def config_states(config: Mapping[str, Any], in_release: bool) -> list[str]:
    states = ["on"] if config.get("on") else ["off"]
    rules = config.get("rules") or []
    serves = [config.get("fallthrough") or {}, *(rule.get("serve") or {} for rule in rules)]
    if config.get("on") and any(isinstance(s, dict) and "rollout" in s for s in serves):
        states.append("rolling_out")
    if in_release:
        states.append("in_release")
    return states


def _validate(kind: str, state: str, offset: int, limit: int) -> None:
    if kind and kind not in KINDS:
        raise ValidationError.single("kind", "enum", f"must be one of {', '.join(KINDS)}")
    if state and state not in STATES:
        raise ValidationError.single("state", "enum", f"must be one of {', '.join(STATES)}")
    if offset < 0:
        raise ValidationError.single("offset", "range", "must be 0 or more")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.single("limit", "range", f"must be between 1 and {MAX_LIMIT}")


def _matches(row: Any, needle: str, kind: str) -> bool:
    if kind and row.kind != kind:
        return False
    if not needle:
        return True
    return any(needle in str(text).casefold() for text in (row.key, row.name, *row.tags))


def _with_state(
    session: Session,
    state: str,
    ids: list[int],
    environments: Iterable[Environment],
    keys: Mapping[int, str],
    releases: Mapping[str, Mapping[str, Any]],
) -> set[int]:
    """Which of the flags ``ids`` have ``state`` in one of ``environments``, read from
    their configurations only. Whether one is on, and whether it serves a rollout from
    its fallthrough or may from a rule (its JSON text says ``"rollout"``), is read in
    SQL; only the latter are read in full, to tell."""
    by_id = {env.id: env.key for env in environments}
    wanted = set(ids)
    found: set[int] = set()
    maybe_rolling: list[int] = []
    connection = session.connection()  # plain rows: no ORM work per row
    statement = _state_query(state, list(by_id), ids)
    for config_id, flag_id, env_id, rolling in connection.execute(statement).all():
        if flag_id not in wanted or flag_id in found:
            continue
        if state == "in_release":
            if by_id[env_id] in releases.get(keys[flag_id], {}):
                found.add(flag_id)
        elif state != "rolling_out" or rolling:
            found.add(flag_id)
        else:
            maybe_rolling.append(config_id)
    for chunk in _chunks(maybe_rolling, MAX_IDS_LISTED):
        configs = select(FlagConfig.flag_id, FlagConfig.config).where(FlagConfig.id.in_(chunk))
        for flag_id, config in connection.execute(configs).all():
            if "rolling_out" in config_states(config, False):
                found.add(flag_id)
    return found


def _state_query(state: str, environment_ids: list[int], ids: list[int]) -> Any:
    """The configurations (in those environments, of those flags) that may have ``state``:
    their ids, flags, environments and whether their fallthrough is a rollout."""
    columns = (FlagConfig.id, FlagConfig.flag_id, FlagConfig.environment_id)
    statement = select(*columns, FALLTHROUGH_ROLLOUT).where(
        FlagConfig.environment_id.in_(environment_ids)
    )
    if state == "on":
        statement = statement.where(CONFIG_ON)
    elif state == "off":
        statement = statement.where(func.coalesce(CONFIG_ON, False).is_(False))
    elif state == "rolling_out":
        statement = statement.where(CONFIG_ON, NAMES_ROLLOUT)
    if len(ids) <= MAX_IDS_LISTED:  # else all the environments' rows, the others skipped
        statement = statement.where(FlagConfig.flag_id.in_(ids))
    return statement


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _releases_by_flag(session: Session, project_id: int) -> dict[str, dict[str, list[str]]]:
    """Unfinished releases by flag key, then environment: their keys."""
    statement = select(Release.key, Release.environment, Release.spec).where(
        Release.project_id == project_id, Release.state.not_in(FINISHED_RELEASES)
    )
    found: dict[str, dict[str, list[str]]] = {}
    for key, environment, spec in session.execute(statement):
        for feature in spec.get("features") or []:
            by_env = found.setdefault(str(feature.get("flag")), {})
            by_env.setdefault(environment, []).append(key)
    return found
