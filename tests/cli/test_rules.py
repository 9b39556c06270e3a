"""The command-line syntaxes for clauses, rollouts and variations."""

from __future__ import annotations

import click
import pytest

from premiere.cli.flags.syntax import describe_serve, parse_clause, parse_rollout, variation_index

BOOL = [{"value": True, "name": "on"}, {"value": False, "name": "off"}]
NUMBERS = [{"value": 50}, {"value": 100}, {"value": 250}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email ends_with @acme.example", ("email", "ends_with", ["@acme.example"], False)),
        ("plan in enterprise,pro", ("plan", "in", ["enterprise", "pro"], False)),
        ("country not in DE, FR", ("country", "in", ["DE", "FR"], True)),
        ("age gte 18", ("age", "gte", [18], False)),
        ('zip in "42",43', ("zip", "in", ["42", 43], False)),
        ("beta in true", ("beta", "in", [True], False)),
        ("app semver_gte 3.2.0", ("app", "semver_gte", ["3.2.0"], False)),
        ('tags in ["a,b", "c"]', ("tags", "in", ["a,b", "c"], False)),
        ("segment_match staff,beta", ("key", "segment_match", ["staff", "beta"], False)),
        ("not segment_match staff", ("key", "segment_match", ["staff"], True)),
    ],
)
def test_parse_clause__valid_text__gives_clause(text: str, expected: tuple[object, ...]) -> None:
    clause = parse_clause(text)
    assert (clause["attribute"], clause["op"], clause["values"], clause["negate"]) == expected


@pytest.mark.parametrize("text", ["email", "email ends_with", "plan equals x", "plan in []"])
def test_parse_clause__malformed__usage_error(text: str) -> None:
    with pytest.raises(click.UsageError):
        parse_clause(text)


def test_parse_rollout__percentages__weights_in_hundred_thousandths() -> None:
    rollout = parse_rollout(BOOL, "true=25,off=75")
    assert rollout == {
        "bucket_by": "key",
        "variations": [{"variation": 0, "weight": 25000}, {"variation": 1, "weight": 75000}],
    }


def test_parse_rollout__not_hundred_percent__usage_error_in_percent() -> None:
    with pytest.raises(
        click.UsageError, match=r"--rollout: weights must add up to 100 % \(got 90 %\)"
    ):
        parse_rollout(BOOL, "#0=40,#1=50")


def test_variation_index__number_flag__a_number_is_a_value_and_hash_n_an_index() -> None:
    assert variation_index(NUMBERS, "100") == 1
    assert variation_index(NUMBERS, "250.0") == 2
    assert variation_index(NUMBERS, "#2") == 2
    with pytest.raises(click.UsageError, match="no variation"):
        variation_index(NUMBERS, "250.5")


def test_variation_index__name_or_value__found() -> None:
    assert variation_index(BOOL, "off") == 1
    assert variation_index(BOOL, "true") == 0


def test_describe_serve__rollout__reads_as_percentages() -> None:
    serve = {"rollout": parse_rollout(BOOL, "#0=12.5,#1=87.5")}
    assert describe_serve(BOOL, serve) == "true: 12.5 % / false: 87.5 %"
