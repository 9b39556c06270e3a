"""A flag's references to the rest of the project, as violations: the segments its
rules name, its prerequisite flags and their variations, prerequisite cycles, and the
variation indices configurations (its own and its dependants') still reference.

Structural validation (kinds, indices, weights, operators) is the engine's
``validate_flag``; these references come on top, with the same field paths and rule
words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere import engine
from premiere.errors import Violation
from premiere.store.models import Environment, Flag, FlagConfig, Segment


def segment_reference_violations(
    session: Session, project_id: int, config: Mapping[str, Any]
) -> list[Violation]:
    """Every ``segment_match`` value must name a segment of the project."""
    named = engine.referenced_segments(config)
    if not named:
        return []
    known = set(
        session.scalars(
            select(Segment.key).where(Segment.project_id == project_id, Segment.key.in_(named))
        )
    )
    violations = []
    for path, key in _segment_values(config):
        if key not in known:
            violations.append(Violation(path, "unknown_segment", f"segment {key!r} does not exist"))
    return violations


def prerequisite_reference_violations(
    session: Session, flag: Flag, environment: Environment, config: Mapping[str, Any]
) -> list[Violation]:
    """Prerequisites must be other live flags, name one of their variations, and not
    close a cycle in this environment."""
    configs = environment_configs(session, flag.project_id, environment.id)
    flags = {row.key: row for row, _ in configs.values()}
    violations: list[Violation] = []
    for index, prerequisite in enumerate(config.get("prerequisites") or []):
        key, variation = prerequisite.get("key"), prerequisite.get("variation")
        path = f"prerequisites[{index}]"
        target = flags.get(key) if isinstance(key, str) else None
        if target is None or target.archived:
            state = "is archived" if target is not None else "does not exist"
            violations.append(Violation(f"{path}.key", "unknown_flag", f"flag {key!r} {state}"))
        elif isinstance(variation, int) and variation >= len(target.variations):
            message = f"flag {key!r} has only {len(target.variations)} variations"
            violations.append(Violation(f"{path}.variation", "index_range", message))
    if violations:
        return violations
    graph: dict[str, Any] = {key: cfg.config for key, (_, cfg) in configs.items()}
    graph[flag.key] = config
    cycle = engine.find_prerequisite_cycle(graph)
    if cycle is not None and flag.key in cycle:
        message = "prerequisites would form a cycle: " + " -> ".join(cycle)
        violations.append(Violation("prerequisites", "prerequisite_cycle", message))
    return violations


def variation_reference_violations(
    session: Session, flag: Flag, variation_count: int
) -> list[Violation]:
    """Removing variations must not leave a configuration, here or in a flag that has
    this one as a prerequisite, pointing past the end of the list."""
    violations: list[Violation] = []
    statement = (
        select(Environment.key, FlagConfig.config)
        .join(Environment, Environment.id == FlagConfig.environment_id)
        .where(FlagConfig.flag_id == flag.id)
        .order_by(Environment.position)
    )
    for env_key, config in session.execute(statement):
        for path, index in variation_indices(config):
            if index >= variation_count:
                message = f"{env_key}: {path} serves variation {index}"
                violations.append(Violation("variations", "variation_in_use", message))
    dependants = (
        select(Flag.key, Environment.key, FlagConfig.config)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .join(Environment, Environment.id == FlagConfig.environment_id)
        .where(Flag.project_id == flag.project_id, Flag.id != flag.id)
    )
    for other, env_key, config in session.execute(dependants):
        for prerequisite in config.get("prerequisites") or []:
            if prerequisite.get("key") == flag.key and prerequisite["variation"] >= variation_count:
                message = (
                    f"{env_key}: flag {other!r} requires variation {prerequisite['variation']}"
                )
                violations.append(Violation("variations", "variation_in_use", message))
    return violations


def flags_requiring(session: Session, flag: Flag) -> list[str]:
    """Keys of the live flags that have ``flag`` as a prerequisite in some environment."""
    statement = (
        select(Flag.key, FlagConfig.config)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .where(Flag.project_id == flag.project_id, Flag.id != flag.id, Flag.archived.is_(False))
    )
    found = {
        key
        for key, config in session.execute(statement)
        if flag.key in engine.referenced_flags(config)
    }
    return sorted(found)


def archived_prerequisites(session: Session, flag: Flag) -> list[str]:
    """Keys of archived flags that ``flag`` has as a prerequisite in some environment."""
    required: set[str] = set()
    for config in session.scalars(select(FlagConfig.config).where(FlagConfig.flag_id == flag.id)):
        required |= engine.referenced_flags(config)
    if not required:
        return []
    statement = select(Flag.key).where(
        Flag.project_id == flag.project_id, Flag.key.in_(required), Flag.archived.is_(True)
    )
    return sorted(session.scalars(statement))


def environment_configs(
    session: Session, project_id: int, environment_id: int
) -> dict[str, tuple[Flag, FlagConfig]]:
    """Every flag of the project with its configuration in one environment, by key."""
    statement = (
        select(Flag, FlagConfig)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .where(Flag.project_id == project_id, FlagConfig.environment_id == environment_id)
        .order_by(Flag.key)
    )
    return {flag.key: (flag, config) for flag, config in session.execute(statement)}


def variation_indices(config: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    """Every (path, variation index) a configuration serves."""
    if isinstance(config.get("off_variation"), int):
        yield "off_variation", config["off_variation"]
    for i, target in enumerate(config.get("targets") or []):
        yield f"targets[{i}].variation", target["variation"]
    for i, rule in enumerate(config.get("rules") or []):
        yield from _serve_indices(f"rules[{i}].serve", rule["serve"])
    yield from _serve_indices("fallthrough", config["fallthrough"])


def _serve_indices(path: str, serve: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    if "variation" in serve:
        yield f"{path}.variation", serve["variation"]
    else:
        for i, weighted in enumerate(serve["rollout"]["variations"]):
            yield f"{path}.rollout.variations[{i}].variation", weighted["variation"]


def _segment_values(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for i, rule in enumerate(config.get("rules") or []):
        for j, clause in enumerate(rule.get("clauses") or []):
            if clause.get("op") == "segment_match":
                for k, value in enumerate(clause.get("values") or []):
                    if isinstance(value, str):
                        yield f"rules[{i}].clauses[{j}].values[{k}]", value
