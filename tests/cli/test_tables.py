"""Tables people read: labelled columns, variation values (not indexes), and at 80 columns
lines wrap between words, never inside one."""

from __future__ import annotations

import json
import re

import pytest

from premiere.cli.output import table

from .conftest import Cli

NARROW_COMMANDS = [
    ("releases", "list"),
    ("deployments", "environment-matrix"),
    ("flags", "list"),
    ("deployments", "list"),
    ("audit", "list", "--project", "demo"),
    ("flags", "where", "new-checkout"),
]


def _words(text: str) -> set[str]:
    """The words of a table, without the rule under its header and ages (``for 14s;``),
    which grow between two renderings."""
    return {w for w in text.split() if set(w) != {"─"} and not re.fullmatch(r"\d+[smhd];?", w)}


@pytest.mark.parametrize("command", NARROW_COMMANDS, ids=" ".join)
def test_table__80_columns__no_line_longer_and_no_word_cut(run: Cli, command: tuple[str]) -> None:
    # Given the same table rendered wide and at 80 columns
    wide = run.ok(*command, COLUMNS="400").stdout
    narrow = run.ok(*command, COLUMNS="80").stdout
    lines = [line for line in narrow.splitlines() if not line.startswith("(Not shown")]
    # Then no line is longer than 80 and every word of the narrow table is a whole word
    assert max(len(line.rstrip()) for line in lines) <= 80
    cut = _words("\n".join(lines)) - _words(wide)
    assert not cut, f"words cut across lines: {sorted(cut)}"


def test_table__too_narrow__optional_columns_left_out_and_named(run: Cli) -> None:
    narrow = run.ok("releases", "list", COLUMNS="80").stdout
    assert "recommendations-v2" in narrow
    assert "(Not shown at this width: name" in narrow
    assert "Not shown" not in run.ok("releases", "list", COLUMNS="200").stdout


def test_table__piped_without_columns__160_wide_as_before(run: Cli) -> None:
    wide = run.ok("deployments", "environment-matrix").stdout
    assert max(len(line.rstrip()) for line in wide.splitlines()) > 80


def test_table__column_without_label__refused() -> None:
    with pytest.raises(ValueError, match="every column needs a label"):
        table("Things", ["key", ""], [("a", "b")])


def test_release_views__features_and_stages__values_and_labelled_progress(run: Cli) -> None:
    # Given the demo release serving the recommendations model "v2" (variation #1)
    release = json.loads(run.ok("releases", "get", "recommendations-v2", "--json").stdout)
    assert release["features"][0]["variation"] == 1
    # When it is shown
    shown = run.ok("releases", "get", "recommendations-v2").stdout
    listed = run.ok("releases", "list", COLUMNS="200").stdout
    # Then the flag is followed by the value it serves, not an index
    assert "recommendations-model -> v2" in shown
    assert "recommendations-model -> v2" in listed
    assert "#1" not in shown + listed
    assert "progress" in shown.split("Rollout plan", 1)[1].splitlines()[1]


def test_flag_config__prerequisite__shown_with_its_value(run: Cli) -> None:
    shown = run.ok("flags", "get", "new-checkout", "-e", "production").stdout
    assert "payments-v2 -> true" in shown
    assert "variation 0" not in shown


def test_flags_evaluate__human__value_and_variation_name_no_index(run: Cli) -> None:
    context = '{"key": "someone", "email": "ana@acme.example"}'
    shown = run.ok("flags", "evaluate", "search-v2", "-e", "production", "-c", context).stdout
    assert [line.split() for line in shown.splitlines()[1:3]] == [
        ["value", "semantic"],
        ["variation", "Semantic"],
    ]


def test_flags_schedules__patch__variation_values_not_indexes(run: Cli) -> None:
    run.ok("flags", "create", "cli-sched-values", "--kind", "string", "--variation", "calm",
           "--variation", "loud")  # fmt: skip
    patch = '{"fallthrough": {"variation": 1}, "off_variation": 0}'
    run.ok("flags", "schedule", "cli-sched-values", "-e", "testing", "--at",
           "2031-01-01T00:00:00Z", "--patch", patch)  # fmt: skip
    listed = run.ok("flags", "schedules", "--flag", "cli-sched-values", COLUMNS="200").stdout
    assert "fallthrough: loud, off variation: calm" in listed
