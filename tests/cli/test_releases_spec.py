"""`premiere releases`: release definitions from files and options (cli/releases/spec.py)
and the sentences that say what a release is missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from premiere.cli.exits import BadUsage
from premiere.cli.releases.spec import (
    definition,
    format_duration,
    keep_pacing,
    load_file,
    parse_duration,
    parse_stages,
    variation_for,
)
from premiere.cli.releases.views import missing_text

BOOLEAN = {"key": "new-checkout", "variations": [{"value": True}, {"value": False}]}
COLOURS = {
    "key": "button",
    "variations": [{"value": "blue", "name": "calm"}, {"value": "red", "name": "loud"}],
}


def flag_of(key: str) -> dict[str, Any]:
    return {"new-checkout": BOOLEAN, "button": COLOURS}[key]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("10m", 600), ("1h30m", 5400), ("2d", 172800), ("500ms", 0.5)],
)
def test_parse_duration__units__seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "10x", "m10", "1h 30m"])
def test_parse_duration__junk__bad_usage(text: str) -> None:
    with pytest.raises(BadUsage, match="no duration"):
        parse_duration(text)


def test_format_duration__seconds__shortest_text() -> None:
    assert [format_duration(s) for s in (0, 1, 600, 5400, 90061, None)] == [
        "0s", "1s", "10m", "1h30m", "1d1h1m1s", None,
    ]  # fmt: skip


def test_parse_stages__segments_and_percentages__stages_with_hold() -> None:
    assert parse_stages("staff, 1%,12.5%,100%", 60, "auto") == [
        {"segment": "staff", "hold_seconds": 60, "advance": "auto"},
        {"percent": 1, "hold_seconds": 60, "advance": "auto"},
        {"percent": 12.5, "hold_seconds": 60, "advance": "auto"},
        {"percent": 100, "hold_seconds": 60, "advance": "auto"},
    ]


@pytest.mark.parametrize("text", ["staff,,100%", "0%", "101%"])
def test_parse_stages__bad_stage__bad_usage(text: str) -> None:
    with pytest.raises(BadUsage):
        parse_stages(text, None, None)


def test_variation_for__value_name_or_index__its_index() -> None:
    assert variation_for(BOOLEAN, "false") == 1
    assert variation_for(COLOURS, "red") == 1
    assert variation_for(COLOURS, "calm") == 0
    assert variation_for(COLOURS, "#1") == 1
    with pytest.raises(BadUsage, match=r"no variation has this value.*#0 = blue .calm., #1 = red"):
        variation_for(COLOURS, "green")


def test_definition__options_only__api_body() -> None:
    options = {
        "key": "spring", "environment": "production",
        "flags": ("new-checkout=true", "button=loud"), "min_versions": ("api=1.4.0",),
        "stages": "staff,5%,100%", "hold": "10m", "approvals": 1,
        "notes_title": "Faster checkout", "notes_body": "**New**", "category": "new",
        "audience": "beta-testers",
    }  # fmt: skip
    body = definition({}, options, flag_of)
    assert body == {
        "key": "spring",
        "environment": "production",
        "features": [
            {"flag": "new-checkout", "variation": 0, "min_versions": {"api": "1.4.0"}},
            {"flag": "button", "variation": 1, "min_versions": {"api": "1.4.0"}},
        ],
        "plan": {
            "stages": [
                {"segment": "staff", "hold_seconds": 600},
                {"percent": 5, "hold_seconds": 600},
                {"percent": 100, "hold_seconds": 600},
            ]
        },
        "required_approvals": 1,
        "audience": {"segment": "beta-testers"},
        "notes": {"title": "Faster checkout", "body": "**New**", "category": "new"},
    }


def test_definition__file_and_options__options_override_the_file(tmp_path: Path) -> None:
    # Given a file with values instead of variation indexes and human holds
    file = tmp_path / "release.json"
    file.write_text(json.dumps({
        "key": "spring", "name": "Spring", "environment": "staging",
        "features": [{"flag": "button", "value": "red"}],
        "plan": {"stages": [{"percent": 50, "hold": "1h"}, {"percent": 100, "hold": "PT1H"}]},
        "notes": {"title": "From the file", "category": "new"},
    }))  # fmt: skip
    # When options change the environment and the note's title
    body = definition(
        load_file(file), {"environment": "production", "notes_title": "Options win"}, flag_of
    )
    # Then the file's fields are kept unless an option overrides them
    assert body["environment"] == "production"
    assert body["name"] == "Spring"
    assert body["features"] == [{"flag": "button", "variation": 1}]
    assert body["plan"]["stages"] == [
        {"percent": 50, "hold_seconds": 3600}, {"percent": 100, "hold": "PT1H"},
    ]  # fmt: skip
    assert body["notes"] == {"title": "Options win", "category": "new"}


def test_definition__file_stages_written_in_percent__numbers() -> None:
    plan = {"stages": [{"segment": "staff"}, {"percent": "12.5%"}, {"percent": "100"}]}
    body = definition({"plan": plan}, {}, flag_of)
    assert body["plan"]["stages"] == [{"segment": "staff"}, {"percent": 12.5}, {"percent": 100}]
    with pytest.raises(BadUsage, match="a stage's percent: a percentage must be more than 0 %"):
        definition({"plan": {"stages": [{"percent": "0%"}]}}, {}, flag_of)


def test_definition__hold_without_stages__bad_usage() -> None:
    with pytest.raises(BadUsage, match="give --stages too"):
        definition({}, {"hold": "10m"}, flag_of)


@pytest.mark.parametrize(
    ("content", "message"), [("{", "not valid JSON"), ("[1]", "must hold one object")]
)
def test_load_file__not_a_definition__bad_usage(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "release.json"
    file.write_text(content)
    with pytest.raises(BadUsage, match=message):
        load_file(file)


def test_missing_text__each_kind__a_sentence() -> None:
    approvals = {"kind": "approvals", "needed": 1, "found": 0}
    deployment = {"kind": "deployment", "flag": "new-checkout", "service": None,
                  "needed": "a verified deployment carrying it", "found": None}  # fmt: skip
    assert missing_text(approvals) == "approvals: 1 needed, 0 valid"
    assert missing_text(deployment) == (
        "deployment: flag new-checkout needs a verified deployment carrying it; found none"
    )


def test_missing_text__unverified_deployment__names_version_status_and_id() -> None:
    found = {"id": 12, "service": "api", "version": "2.1.0", "status": "succeeded",
             "verification": "none"}  # fmt: skip
    item = {"kind": "deployment", "flag": "new-checkout", "service": None,
            "needed": "a verified deployment carrying it", "found": found}  # fmt: skip
    assert missing_text(item) == (
        "deployment: flag new-checkout needs a verified deployment carrying it; found api 2.1.0"
        " not verified (deployment 12, status succeeded, verification none)"
    )


def test_keep_pacing__more_and_fewer_stages__matched_by_position_then_last() -> None:
    current = [
        {"percent": 5, "hold_seconds": 60, "advance": "auto"},
        {"percent": 50, "hold_seconds": 3600, "advance": "manual"},
    ]
    new = [{"percent": 1}, {"percent": 10, "advance": "auto"}, {"percent": 100}]

    kept = keep_pacing(new, current)

    assert kept == [
        {"percent": 1, "hold_seconds": 60, "advance": "auto"},
        {"percent": 10, "hold_seconds": 3600, "advance": "auto"},
        {"percent": 100, "hold_seconds": 3600, "advance": "manual"},
    ]
    assert keep_pacing([{"percent": 100}], []) == [{"percent": 100}]


def test_load_file__yaml_without_pyyaml__says_to_use_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    file = tmp_path / "release.yaml"
    file.write_text("key: x\n")
    with pytest.raises(BadUsage, match=r"needs PyYAML .* or write the file as JSON"):
        load_file(file)
