"""Which published notes apply to a context (engine/notes.py): the audience segment, and
every linked feature on — served, not the off-variation, true for a boolean."""

from __future__ import annotations

from typing import Any

import pytest

from premiere import engine


def boolean(key: str, *, on: bool = True, serve: int = 0, off: int | None = 1) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "boolean",
        "on": on,
        "variations": [{"value": True}, {"value": False}],
        "off_variation": off,
        "fallthrough": {"variation": serve},
    }


def string(key: str, serve: int) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "string",
        "on": True,
        "variations": [{"value": "control"}, {"value": "treatment"}],
        "off_variation": 0,
        "fallthrough": {"variation": serve},
    }


DOCUMENT: dict[str, Any] = {
    "flags": {
        "on": boolean("on"),
        "off": boolean("off", on=False),
        "serves-false": boolean("serves-false", serve=1, off=None),
        "no-off-variation": boolean("no-off-variation", on=False, off=None),
        "treatment": string("treatment", 1),
        "control": string("control", 0),
        "needs-off": {**boolean("needs-off"), "prerequisites": [{"key": "off", "variation": 0}]},
    },
    "segments": {"staff": {"key": "staff", "included": ["ada"]}},
}


def applies(note: dict[str, Any], context: dict[str, Any]) -> bool:
    notes = [{"id": 1, "title": "t", **note}]
    compiled = engine.compile_document(DOCUMENT)
    audiences = engine.audience_document(notes, DOCUMENT["segments"])
    offs = engine.off_variations_of(DOCUMENT["flags"])
    return bool(engine.notes_for(notes, compiled, audiences, context, offs))


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        ([], True),
        (["on"], True),
        (["off"], False),
        (["serves-false"], False),
        (["no-off-variation"], False),
        (["treatment"], True),
        (["control"], False),  # the off-variation's value, served by the fallthrough
        (["needs-off"], False),
        (["missing"], False),
        (["on", "off"], False),
    ],
)
def test_notes_for__linked_features__on_only_when_every_one_is(
    features: list[str], expected: bool
) -> None:
    assert applies({"audience": None, "features": features}, {"key": "u1"}) is expected


def test_notes_for__segment_audience__its_members_only() -> None:
    note = {"audience": "staff", "features": []}
    assert applies(note, {"key": "ada"}) and not applies(note, {"key": "bob"})
    assert not applies({"audience": "unknown", "features": []}, {"key": "ada"})


def test_notes_for__junk__never_raises() -> None:
    compiled = engine.compile_document(DOCUMENT)
    audiences = engine.audience_document([], {})
    junk: list[Any] = [None, 3, {"features": "on"}, {"features": [1]}, {"audience": 5}, {}]
    answer = engine.notes_for(junk, compiled, audiences, {"key": "u"}, {})
    assert answer == [dict.fromkeys(engine.notes.NOTE_FIELDS) | {"audience": None, "features": []}]
    assert engine.notes_for(junk, compiled, audiences, "context", {}) == []  # type: ignore[arg-type]
