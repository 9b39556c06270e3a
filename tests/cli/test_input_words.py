"""Command-line input in the options' words: percentages, variations by value, --env,
one meaning of -v, and "did you mean ...?" for a mistyped key."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
import pytest

from premiere import __version__
from premiere.cli.exits import CliError, in_option_words
from premiere.cli.flags.configs import OPTION_FIELDS
from premiere.cli.flags.syntax import in_percent, parse_percent, parse_rollout, variation_index
from premiere.cli.main import cli
from premiere.cli.releases.spec import parse_stages

from .conftest import Cli

BOOL = [{"value": True}, {"value": False}]
NUMBERS = [{"value": 10}, {"value": 100}, {"value": 12.5}]


# -- percentages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("10%", 10), ("10", 10), ("12.5%", 12.5), (" 0.125 % ", 0.125)]
)
def test_parse_percent__with_or_without_sign__the_percentage(text: str, expected: float) -> None:
    assert parse_percent(text, "--rollout") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("101%", r"--rollout: a percentage must be from 0 % to 100 % \(got 101 %\)"),
        ("-5", r"--rollout: a percentage must be from 0 % to 100 % \(got -5 %\)"),
        ("ten%", r"--rollout: 'ten%' is not a percentage; write e.g. 10%, 10 or 12.5%"),
        ("1.2345%", r"--rollout: 1.2345 % has more than three decimals"),
    ],
)
def test_parse_percent__bad_text__error_names_the_option_in_percent(
    text: str, message: str
) -> None:
    with pytest.raises(click.UsageError, match=message):
        parse_percent(text, "--rollout")


def test_parse_rollout__percent_signs__accepted_like_stages() -> None:
    rollout = parse_rollout(BOOL, "true=10%,false=90%")
    assert rollout["variations"] == [
        {"variation": 0, "weight": 10_000},
        {"variation": 1, "weight": 90_000},
    ]


def test_parse_rollout__ninety_percent__says_so_in_percent_not_thousandths() -> None:
    with pytest.raises(click.UsageError) as raised:
        parse_rollout(BOOL, "true=10%,false=80%")
    assert raised.value.message == "--rollout: weights must add up to 100 % (got 90 %)"


def test_parse_stages__bare_number_and_decimals__percent_stages() -> None:
    stages = parse_stages("staff,10,12.5%,100%", None, None)
    assert stages == [{"segment": "staff"}, {"percent": 10}, {"percent": 12.5}, {"percent": 100}]


@pytest.mark.parametrize("text", ["staff,0%", "staff,150", "5%,x%"])
def test_parse_stages__not_a_stage_percentage__error_names_stages(text: str) -> None:
    with pytest.raises(click.UsageError, match=r"^--stages: "):
        parse_stages(text, None, None)


def test_in_option_words__server_weight_errors__named_by_option_in_percent() -> None:
    # Given the server's errors about a rollout, in its fields and units
    error = CliError(
        "fallthrough.rollout.variations[0].weight: weight must be 0..100000",
        code="validation_failed",
        details={"errors": [
            {"field": "fallthrough.rollout.variations[0].weight",
             "message": "weight must be 0..100000"},
            {"field": "rules[2].serve.rollout.variations",
             "message": "weights sum to 90000, they must sum to 100000"},
            {"field": "on", "message": "on must be a boolean"},
        ]},
    )  # fmt: skip
    # When they are put in the options' words
    text = in_option_words(error, OPTION_FIELDS, in_percent).format_message()
    # Then the options and percentages speak, and unrelated fields stay as they were
    assert text.splitlines() == [
        "--rollout: a percentage must be 0 % to 100 % [validation_failed]",
        "  --rollout: a percentage must be 0 % to 100 %",
        "  --rollout: weights must add up to 100 % (got 90 %)",
        "  on: on must be a boolean",
    ]


def test_fallthrough__rollout_with_percent_signs__served_and_shown_in_percent(run: Cli) -> None:
    run.ok("flags", "create", "cli-pct-flag")
    run.ok("flags", "fallthrough", "cli-pct-flag", "-e", "testing", "-r", "true=12.5%,false=87.5")
    config = json.loads(run.ok("flags", "get", "cli-pct-flag", "-e", "testing", "--json").stdout)
    weights = [w["weight"] for w in config["fallthrough"]["rollout"]["variations"]]
    assert weights == [12_500, 87_500]
    shown = run.ok("flags", "get", "cli-pct-flag", "-e", "testing").stdout
    assert "true: 12.5 % / false: 87.5 %" in shown


def test_fallthrough__rollout_short_of_hundred__error_in_percent_changes_nothing(run: Cli) -> None:
    run.ok("flags", "create", "cli-pct-short")
    before = run.ok("flags", "get", "cli-pct-short", "-e", "testing", "--json").stdout
    result = run(
        "flags", "fallthrough", "cli-pct-short", "-e", "testing", "-r", "true=10%,false=80"
    )
    assert result.exit_code == 2
    assert "--rollout: weights must add up to 100 % (got 90 %)" in result.stderr
    assert "100000" not in result.stderr
    assert run.ok("flags", "get", "cli-pct-short", "-e", "testing", "--json").stdout == before


# -- variations by value --------------------------------------------------------------------


def test_variation_index__number_flag__value_not_index() -> None:
    assert variation_index(NUMBERS, "100") == 1
    assert variation_index(NUMBERS, "10") == 0
    assert variation_index(NUMBERS, "#1") == 1


def test_variation_index__unknown_number__lists_values_and_index_syntax() -> None:
    with pytest.raises(click.UsageError) as raised:
        variation_index(NUMBERS, "2")
    assert raised.value.message == (
        "--variation 2: no variation has this value (an index is written #2); "
        "the flag's variations: #0 = 10, #1 = 100, #2 = 12.5"
    )


def test_variation_index__value_of_one_name_of_another__ambiguous() -> None:
    variations = [{"value": "blue", "name": "green"}, {"value": "green"}]
    with pytest.raises(click.UsageError, match="both #0 and #1 answer to it; give the index"):
        variation_index(variations, "green")


def test_variation_index__boolean_flag__true_false_and_no_bare_index() -> None:
    assert [variation_index(BOOL, "true"), variation_index(BOOL, "False")] == [0, 1]
    with pytest.raises(click.UsageError, match="an index is written #1"):
        variation_index(BOOL, "1")
    with pytest.raises(click.UsageError, match="there is no variation #2"):
        variation_index(BOOL, "#2")


def test_flags_target__number_flag_variation_100__the_variation_valued_100(run: Cli) -> None:
    # Given a number flag whose values are not its indexes
    run.ok("flags", "create", "cli-limit", "--kind", "number", "--variation", "1",
           "--variation", "100", "--variation", "0")  # fmt: skip
    # When a key is targeted with --variation 100, another with --index 0
    said = run.ok("flags", "target", "cli-limit", "-e", "testing", "--variation", "100", "-k", "a")
    run.ok("flags", "target", "cli-limit", "-e", "testing", "--index", "0", "-k", "b")
    # Then the first gets the value 100 (index 1), the second the first variation
    config = json.loads(run.ok("flags", "get", "cli-limit", "-e", "testing", "--json").stdout)
    assert {t["variation"]: t["values"] for t in config["targets"]} == {1: ["a"], 0: ["b"]}
    assert "a now gets 100 in testing" in said.stdout
    assert (
        "targets        100: a; 1: b" in run.ok("flags", "get", "cli-limit", "-e", "testing").stdout
    )


def test_flags_fallthrough__unknown_value__refused_with_the_values(run: Cli) -> None:
    run.ok("flags", "create", "cli-limit-2", "--kind", "number", "--variation", "5",
           "--variation", "50")  # fmt: skip
    result = run("flags", "fallthrough", "cli-limit-2", "-e", "testing", "--variation", "1")
    assert result.exit_code == 2
    assert "#0 = 5, #1 = 50" in result.stderr
    both = run("flags", "fallthrough", "cli-limit-2", "-e", "testing", "--variation", "5",
               "--index", "1")  # fmt: skip
    assert both.exit_code == 2 and "not both" in both.stderr


# -- one meaning per option -----------------------------------------------------------------


def _commands(
    command: click.Command = cli, name: str = "premiere"
) -> Iterator[tuple[str, click.Command]]:
    yield name, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=name)
        for sub in command.list_commands(ctx):
            found = command.get_command(ctx, sub)
            if found is not None:
                yield from _commands(found, f"{name} {sub}")


def test_every_command__dash_v__means_version() -> None:
    uses = {
        name: param.name
        for name, command in _commands()
        for param in command.params
        if "-v" in param.opts
    }
    assert uses and set(uses.values()) == {"version"}, uses


def test_premiere__dash_v__prints_the_version(run: Cli) -> None:
    assert run.ok("-v").stdout.strip() == f"premiere, version {__version__}"


def test_every_command_taking_an_environment__accepts_env_and_environment() -> None:
    taking = {
        name: set(param.opts)
        for name, command in _commands()
        for param in command.params
        if param.name == "environment"
    }
    assert len(taking) >= 15
    for name, opts in taking.items():
        assert {"--env", "--environment", "-e"} <= opts, name


def test_tokens_create__env_spelling__accepted(run: Cli) -> None:
    token = run.ok("tokens", "create", "--scope", "sdk-server", "--env", "testing", "-q").stdout
    assert token.startswith("prm_")


# -- did you mean ---------------------------------------------------------------------------


def test_mistyped_environment__did_you_mean_and_the_known_ones(run: Cli) -> None:
    result = run("flags", "on", "new-checkout", "--environment", "prod")
    assert result.exit_code == 3
    assert "did you mean production?" in result.stderr
    assert "known environments: development, testing, staging, production" in result.stderr


def test_mistyped_flag__did_you_mean_the_flag(run: Cli) -> None:
    result = run("flags", "get", "new-chekout")
    assert result.exit_code == 3
    assert "did you mean new-checkout?" in result.stderr
    assert "known flags: " in result.stderr and "search-v2" in result.stderr


def test_unknown_environment_nothing_close__known_ones_without_a_guess(run: Cli) -> None:
    result = run("releases", "list", "-e", "zzz")
    assert result.exit_code == 3, result.stderr
    assert "did you mean" not in result.stderr
    assert "known environments: development" in result.stderr


def test_add_rule__mistyped_segment__did_you_mean_before_anything_changes(run: Cli) -> None:
    run.ok("flags", "create", "cli-seg-typo")
    result = run("flags", "add-rule", "cli-seg-typo", "-e", "testing", "--segment", "stafff",
                 "--variation", "true")  # fmt: skip
    assert result.exit_code == 3
    assert "--segment stafff: no such segment\ndid you mean staff?" in result.stderr
    config = json.loads(run.ok("flags", "get", "cli-seg-typo", "-e", "testing", "--json").stdout)
    assert config["rules"] == []


def test_releases_create__unknown_audience__error_names_the_option(run: Cli) -> None:
    result = run("releases", "create", "cli-aud-typo", "-e", "production", "--flag",
                 "dark-mode=true", "--audience", "nobody-here")  # fmt: skip
    assert result.exit_code == 1
    assert "--audience: " in result.stderr
    assert "audience.segment" not in result.stderr
