"""Every refusal names a field and a rule from the documented lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from premiere import engine
from premiere.errors import ValidationError
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.catalog import create_service
from premiere.services.environments import create_environment
from premiere.services.flags.definitions import create_flag, update_flag, update_flag_config
from premiere.services.flags.segments import create_segment
from premiere.services.people.tokens import create_token
from premiere.services.projects import create_project
from premiere.services.validation import RULE_NAMES
from premiere.store import Store

KNOWN_RULES = set(RULE_NAMES) | set(engine.RULE_NAMES)

A = Actor("user", "u", "u")
BAD_RULE = {"clauses": [{"attribute": 1, "op": "nope", "values": "x"}], "serve": {}}
CALLS: list[tuple[str, Callable[[Store], Any]]] = [
    ("project", lambda s: create_project(s, A, {"key": "", "name": 3, "x": 1})),
    ("environment", lambda s: create_environment(s, A, "demo", {"key": "a b", "position": -1})),
    ("service", lambda s: create_service(s, A, "demo", {"key": "s", "repository": 5})),
    ("flag", lambda s: create_flag(s, A, "demo", {"key": "f", "kind": "json", "tags": [1]})),
    ("flag-update", lambda s: update_flag(s, A, "demo", "base", {"variations": [1]}, 1)),
    (
        "config",
        lambda s: update_flag_config(
            s,
            A,
            "demo",
            "base",
            "production",
            {
                "rules": [BAD_RULE],
                "targets": "x",
                "off_variation": "0",
                "fallthrough": {"rollout": {"variations": [{"variation": 9, "weight": -1}]}},
            },
            1,
            partial=True,
        ),
    ),
    ("segment", lambda s: create_segment(s, A, "demo", {"key": "s", "rules": [BAD_RULE]})),
    ("token", lambda s: create_token(s, A, {"scope": "sdk-server", "name": ""})),
    ("audit", lambda s: list_audit_events(s, limit=0)),
]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
def test_validation__bad_input__every_violation_names_field_and_known_rule(
    store: Store, actor: Actor, project: str, name: str, call: Callable[[Store], Any]
) -> None:
    create_flag(store, actor, project, {"key": "base"})

    with pytest.raises(ValidationError) as caught:
        call(store)

    violations = caught.value.violations
    assert violations
    for violation in violations:
        assert violation.field, violation
        assert violation.rule in KNOWN_RULES, violation
        assert violation.message, violation
    assert caught.value.details["errors"][0]["field"] == violations[0].field
