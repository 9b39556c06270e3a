"""The configuration a flag starts with in an environment."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any


def default_config(*, on_variation: int, off_variation: int | None) -> dict[str, Any]:
    """Off, serving ``off_variation`` (None: the caller's default); when turned on,
    everyone falls through to ``on_variation``."""
    return {
        "on": False,
        "off_variation": off_variation,
        "prerequisites": [],
        "targets": [],
        "rules": [],
        "fallthrough": {"variation": on_variation},
    }


def new_salt() -> str:
    """A random salt for rollout bucketing, fixed when the flag is created."""
    return secrets.token_hex(8)


def with_rule_ids(rules: Any) -> Any:
    """``rules`` with a generated ``id`` for each rule given without one."""
    if not isinstance(rules, list):
        return rules
    taken = {rule.get("id") for rule in rules if isinstance(rule, Mapping)}
    named = []
    for rule in rules:
        if isinstance(rule, Mapping) and "id" not in rule:
            rule_id = _new_rule_id(taken)
            taken.add(rule_id)
            rule = {"id": rule_id, **rule}
        named.append(rule)
    return named


def _new_rule_id(taken: set[Any]) -> str:
    while True:
        candidate = f"rule-{secrets.token_hex(4)}"
        if candidate not in taken:
            return candidate
