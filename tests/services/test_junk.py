"""Junk in any field gives a domain error (never a crash), on both databases.

PostgreSQL refuses NUL characters in text and JSONB, so those must be caught before
they reach it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from premiere.errors import PremiereError
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.catalog import create_service
from premiere.services.environments import create_environment, update_environment
from premiere.services.flags.definitions import (
    create_flag,
    get_flag_config,
    update_flag,
    update_flag_config,
)
from premiere.services.flags.segments import create_segment, update_segment
from premiere.services.people.tokens import authenticate, create_token, revoke_token
from premiere.services.projects import create_project, get_project
from premiere.services.sdk.documents import document_version, evaluate_flag
from premiere.store import Store

A = Actor("user", "u", "u")
JUNK: list[Any] = [
    None, True, 0, -1, 10**30, 1.5, "", "x", "a b", "nul\x00", "é" * 300, [], [None], [1],
    ["x"], ["\x00"], {}, {"a": 1}, {"\x00": 1}, [{"value": 1}], [{}], {"variation": 0},
    [{"variation": 0, "values": ["x"]}], [{"id": "r", "clauses": [], "serve": {"variation": 0}}],
    [{"key": "base", "variation": 0}], [{"key": 1, "variation": "0"}], {"rollout": {}},
    {"rollout": {"variations": [{"variation": 0, "weight": 100000}]}},
    [{"clauses": [{"op": "segment_match", "values": [1]}]}],
    [{"clauses": [{"op": "in", "attribute": "a", "values": ["\x00"]}], "serve": {"variation": 0}}],
]  # fmt: skip


def _version(store: Store) -> int:
    return int(get_flag_config(store, "demo", "base", "production")["version"])


CALLS: dict[str, tuple[Callable[[Store, dict[str, Any]], Any], list[str]]] = {
    "project": (lambda s, d: create_project(s, A, d), ["key", "name", "description"]),
    "environment": (
        lambda s, d: create_environment(s, A, "demo", d),
        ["key", "name", "production", "position"],
    ),
    "environment-update": (
        lambda s, d: update_environment(s, A, "demo", "staging", d, None if not d else 10**9),
        ["name", "production", "position"],
    ),
    "service": (
        lambda s, d: create_service(s, A, "demo", d),
        ["key", "name", "description", "repository"],
    ),
    "flag": (
        lambda s, d: create_flag(s, A, "demo", d),
        ["key", "name", "kind", "variations", "tags", "client_visible", "on_variation"],
    ),
    "flag-update": (
        lambda s, d: update_flag(s, A, "demo", "base", d, 1),
        ["name", "kind", "variations", "tags"],
    ),
    "config": (
        lambda s, d: update_flag_config(
            s, A, "demo", "base", "production", d, _version(s), partial=bool(len(d) % 2)
        ),
        ["on", "off_variation", "prerequisites", "targets", "rules", "fallthrough"],
    ),
    "segment": (lambda s, d: create_segment(s, A, "demo", d), ["key", "name", "included", "rules"]),
    "segment-update": (
        lambda s, d: update_segment(s, A, "demo", "staff", d, 1),
        ["excluded", "rules"],
    ),
    "token": (lambda s, d: create_token(s, A, d), ["name", "scope", "project", "environment"]),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_services__junk_data__only_domain_errors(
    store: Store, actor: Actor, project: str, call: str
) -> None:
    create_flag(store, actor, project, {"key": "base"})
    create_segment(store, actor, project, {"key": "staff"})
    function, fields = CALLS[call]
    rnd = random.Random(call)
    refused = 0
    for i in range(60):
        data = {f: rnd.choice(JUNK) for f in fields if rnd.random() < 0.6}
        if "key" in fields and rnd.random() < 0.5:
            data["key"] = f"k{i}"
        try:
            function(store, data)
        except PremiereError:
            refused += 1
    assert refused > 0


@pytest.mark.parametrize("text", ["", "nul\x00", "a b", "prm_", "prm_0123456789abcdef_", "é"])
def test_lookups__junk_keys__domain_errors(store: Store, project: str, text: str) -> None:
    for call in (
        lambda: get_project(store, text),
        lambda: document_version(store, project, text),
        lambda: evaluate_flag(store, project, "production", text, {"key": "u"}),
        lambda: authenticate(store, text),
        lambda: revoke_token(store, A, text),
    ):
        with pytest.raises(PremiereError):
            call()
    if "\x00" in text:
        with pytest.raises(PremiereError):
            list_audit_events(store, project=text)
    else:
        assert list_audit_events(store, project=text, action=text)["items"] == []
