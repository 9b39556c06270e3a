"""The CLI names things with the API's words; the names used before keep working.

New names: `freeze-windows`, `release-trains`, `flags evaluate`, `deployments checks
create|delete`, `deployments environment-matrix`, `releases guard-decisions`, `audit
heads`. Old names (aliases): `freezes`, `trains`, `flags eval`, `checks add|remove`,
`deployments matrix`, `releases guards`, `audit head`. The glossary in
docs/concepts.md lists both.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from premiere.cli.main import cli

from .conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
ALIASES = [
    ((), "freezes", "freeze-windows"),
    ((), "trains", "release-trains"),
    (("flags",), "eval", "evaluate"),
    (("deployments", "checks"), "add", "create"),
    (("deployments", "checks"), "remove", "delete"),
    (("deployments",), "matrix", "environment-matrix"),
    (("releases",), "guards", "guard-decisions"),
    (("audit",), "head", "heads"),
]


def _group(path: tuple[str, ...]) -> click.Group:
    group: click.Command | None = cli
    for name in path:
        assert isinstance(group, click.Group)
        group = group.get_command(click.Context(group), name)
    assert isinstance(group, click.Group)
    return group


@pytest.mark.parametrize(("path", "old", "new"), ALIASES)
def test_alias__old_name__runs_the_command_of_the_new_name(
    path: tuple[str, ...], old: str, new: str
) -> None:
    group = _group(path)
    ctx = click.Context(group)
    assert group.get_command(ctx, new) is not None
    assert group.get_command(ctx, old) is group.get_command(ctx, new)


@pytest.mark.parametrize(("path", "old", "new"), ALIASES)
def test_alias__help__same_as_the_new_name_and_listed_under_aliases(
    path: tuple[str, ...], old: str, new: str
) -> None:
    runner = CliRunner()
    by_old = runner.invoke(cli, [*path, old, "--help"], prog_name="premiere")
    by_new = runner.invoke(cli, [*path, new, "--help"], prog_name="premiere")
    assert by_old.exit_code == by_new.exit_code == 0
    assert by_old.stdout == by_new.stdout
    assert f"Usage: premiere {' '.join([*path, new])} [OPTIONS]" in by_new.stdout
    group_help = runner.invoke(cli, [*path, "--help"], prog_name="premiere").stdout
    commands, _, aliases = group_help.partition("Aliases:")
    assert f"  {new} " in commands and f"  {old} " not in commands
    assert f"{old}" in aliases and f"same as {new}" in aliases


def test_alias__glossary__names_every_alias_with_its_new_name() -> None:
    glossary = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    for path, old, new in ALIASES:
        assert f"`{' '.join([*path, old])}`" in glossary, old
        assert f"`premiere {' '.join([*path, new])}`" in glossary, new


@pytest.fixture
def own(run: Cli) -> Cli:
    """`premiere` in a project of these tests' own, with a staging environment."""
    if run("projects", "get", "aliases").exit_code == 3:
        run.ok("projects", "create", "aliases")
        run.ok("environments", "create", "staging", "-p", "aliases")
    return Cli({**run.env, "PREMIERE_PROJECT": "aliases"})


def test_release_trains__create_get_list__by_the_new_name(own: Cli) -> None:
    run = own
    run.ok("release-trains", "create", "alias-weekly", "--every", "1", "--weekday", "monday",
           "--at", "09:00", "--timezone", "UTC", "--anchor", "2026-01-05")  # fmt: skip
    shown = run.ok("release-trains", "get", "alias-weekly", "--count", "3").stdout
    assert "every week on monday at 09:00 UTC" in shown
    assert shown.count("departs") == 3
    assert "alias-weekly" in run.ok("release-trains", "list").stdout
    assert "alias-weekly" in run.ok("trains", "list").stdout  # the old name, same answer


def test_trains_create__no_anchor__anchored_on_the_next_matching_date(own: Cli) -> None:
    before = datetime.now(UTC)
    train = json.loads(
        own.ok("trains", "create", "no-anchor", "--weekday", "wednesday", "--at", "09:00",
               "--timezone", "UTC", "--json").stdout
    )  # fmt: skip
    anchor = date.fromisoformat(train["cadence"]["anchor"])
    first = datetime.fromisoformat(train["next_departures"][0])
    assert anchor.weekday() == 2 and first.date() == anchor
    assert before < first <= before + timedelta(days=7)


def test_freeze_windows__create_list_delete__by_the_new_name(own: Cli) -> None:
    run = own
    created = json.loads(
        run.ok("freeze-windows", "create", "--env", "staging", "--start", "2031-12-24T00:00:00Z",
               "--end", "2031-12-27T00:00:00Z", "--reason", "Alias holidays", "--json").stdout
    )  # fmt: skip
    assert "Alias holidays" in run.ok("freeze-windows", "list", "--env", "staging").stdout
    assert "Alias holidays" in run.ok("freezes", "list", "--env", "staging").stdout
    deleted = run.ok("freeze-windows", "delete", str(created["id"]))
    assert deleted.stdout == f"Deleted freeze window #{created['id']}.\n"
    assert "Alias holidays" not in run.ok("freeze-windows", "list", "--env", "staging").stdout


def test_flags_evaluate__enterprise_user__same_answer_as_eval(run: Cli) -> None:
    args = ["new-checkout", "--env", "production", "--context", '{"key": "u-9", "plan": '
            '"enterprise"}', "--json"]  # fmt: skip
    evaluated = json.loads(run.ok("flags", "evaluate", *args).stdout)
    assert (evaluated["value"], evaluated["reason"]["kind"]) == (True, "RULE_MATCH")
    assert json.loads(run.ok("flags", "eval", *args).stdout) == evaluated


def test_checks__create_list_delete__by_the_new_names(own: Cli) -> None:
    run = own
    run.ok("services", "create", "alias-api")
    program = f"{sys.executable} -c 'print(1)'"
    created = run.ok("deployments", "checks", "create", "smoke", "-s", "alias-api",
                     "--command", program)  # fmt: skip
    assert created.stdout.startswith("Created command check smoke of alias-api:")
    run.ok("deployments", "checks", "add", "smoke-2", "-s", "alias-api", "--command", program)
    listed = json.loads(run.ok("deployments", "checks", "list", "-s", "alias-api", "--json").stdout)
    assert sorted(c["key"] for c in listed) == ["smoke", "smoke-2"]
    deleted = run.ok("deployments", "checks", "delete", "smoke", "-s", "alias-api")
    assert deleted.stdout == "Deleted check smoke of alias-api.\n"
    run.ok("deployments", "checks", "remove", "smoke-2", "-s", "alias-api")
    left = json.loads(run.ok("deployments", "checks", "list", "-s", "alias-api", "--json").stdout)
    assert left == []


def test_environment_matrix_audit_heads_guard_decisions__by_the_new_names(run: Cli) -> None:
    matrix = json.loads(run.ok("deployments", "environment-matrix", "--json").stdout)
    old = json.loads(run.ok("deployments", "matrix", "--json").stdout)  # lags grow meanwhile
    assert [s["service"] for s in matrix["services"]] == [s["service"] for s in old["services"]]
    assert "api" in [s["service"] for s in matrix["services"]]
    heads = json.loads(run.ok("audit", "heads", "--project", "demo").stdout)
    assert [item["project"] for item in heads["items"]] == ["demo"]
    decisions = run.ok("releases", "guard-decisions", "recommendations-v2", "--json")
    assert json.loads(decisions.stdout) == json.loads(
        run.ok("releases", "guards", "recommendations-v2", "--json").stdout
    )
