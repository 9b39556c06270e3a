"""The CLI shows which guards read client events, and whose counts a decision read."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.cli.releases.views import guards_text, show_guard_decisions, sources_text


@pytest.mark.parametrize(
    ("guards", "text"),
    [
        ([], None),
        ([{"client_events": False}, {}], "2"),
        ([{"client_events": False}, {"client_events": True}], "2 (guard 2 reads client events)"),
        ([{"client_events": True}] * 2, "2 (guards 1, 2 read client events)"),
    ],
)
def test_guards_text__client_events__named(guards: list[dict[str, Any]], text: str) -> None:
    assert guards_text({"guards": guards}) == text


@pytest.mark.parametrize(
    ("details", "text"),
    [
        ({"event_sources": ["sdk-server"]}, "server"),
        ({"event_sources": ["sdk-server", "sdk-client"]}, "server+client"),
        ({}, None),  # decisions recorded before sources were
    ],
)
def test_sources_text__decision_details__short_words(details: dict[str, Any], text: str) -> None:
    assert sources_text(details) == text


def test_show_guard_decisions__action_recorded__shown(capsys: pytest.CaptureFixture[str]) -> None:
    decision = {"at": "2026-03-02T10:00:01Z", "stage": 0, "status": "regressed",
                "details": {"guard": 0, "flag": "checkout", "verdict": "regression",
                            "action": "rolled_back", "event_sources": ["sdk-server"]}}  # fmt: skip
    show_guard_decisions("new-checkout", [decision])
    out = capsys.readouterr().out
    assert "action" in out and "rolled_back" in out
