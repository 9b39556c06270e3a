"""`premiere releases`: release definitions from files and options, and the commands."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from premiere.cli.client import ApiClient
from premiere.cli.exits import BadUsage
from premiere.cli.main import cli
from premiere.cli.releases import actions as release_actions
from premiere.cli.releases import watch as release_watch
from premiere.cli.releases.remote import ProjectApi
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
from premiere.cli.releases.watch import watch_release

from .conftest import Cli

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
    with pytest.raises(BadUsage, match="no variation 'green'; its variations: blue, red"):
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


# -- against a live server ------------------------------------------------------------------


def _json(result: Result) -> Any:
    return json.loads(result.stdout)


def _second_admin(run: Cli, name: str) -> str:
    return run.ok("tokens", "create", "--scope", "admin", "--name", name, "--quiet").stdout.strip()


def test_releases_create__options__the_release_as_defined(run: Cli) -> None:
    # When a release is defined with options only
    created = run.ok(
        "releases", "create", "cli-options", "--env", "production", "--name", "Options",
        "--flag", "dark-mode=true", "--flag", "checkout-button-color=green",
        "--stages", "staff,50%,100%", "--hold", "10m", "--approvals", "2",
        "--notes-title", "Dark mode", "--notes-body", "At last.", "--category", "new",
    )  # fmt: skip
    # Then it is a draft with the variations, plan, approvals and note asked for
    assert "Created release cli-options (draft)" in created.stdout
    release = _json(run.ok("releases", "get", "cli-options", "--json"))
    assert [(f["flag"], f["variation"]) for f in release["features"]] == [
        ("dark-mode", 0), ("checkout-button-color", 1),
    ]  # fmt: skip
    assert [(s["segment"], s["percent"], s["hold_seconds"]) for s in release["plan"]["stages"]] == [
        ("staff", None, 600), (None, 50, 600), (None, 100, 600),
    ]  # fmt: skip
    assert release["required_approvals"] == 2
    assert release["notes"] == {"title": "Dark mode", "body": "At last.", "category": "new"}
    shown = run.ok("releases", "get", "cli-options").stdout
    assert "draft" in shown and "10m" in shown and "0/2" in shown
    listed = run.ok("releases", "list", "--state", "draft").stdout
    assert "cli-options" in listed


def test_releases_create__file_and_options__options_win(run: Cli, tmp_path: Path) -> None:
    # Given a definition file naming a variation by its value
    file = tmp_path / "release.json"
    file.write_text(json.dumps({
        "key": "cli-file", "environment": "staging",
        "features": [{"flag": "search-v2", "value": "semantic"}],
        "plan": {"stages": [{"percent": 25, "hold": "1h"}, {"percent": 100}]},
    }))  # fmt: skip
    # When it is created with an option overriding its environment
    run.ok("releases", "create", "--file", str(file), "--env", "production")
    # Then the file's fields arrive, the option wins
    release = _json(run.ok("releases", "get", "cli-file", "--json"))
    assert release["environment"] == "production"
    search = _json(run.ok("flags", "get", "search-v2", "--json"))
    values = [v["value"] for v in search["variations"]]
    assert release["features"][0]["variation"] == values.index("semantic")
    assert release["plan"]["stages"][0]["hold_seconds"] == 3600


def test_releases_create__unknown_variation__usage_error_naming_the_variations(run: Cli) -> None:
    result = run(
        "releases", "create", "cli-bad", "--env", "production", "--flag", "dark-mode=maybe"
    )
    assert result.exit_code == 2
    assert "dark-mode has no variation 'maybe'; its variations: true, false" in result.stderr


def test_releases_readiness__unapproved__says_what_is_missing_and_exit_code_1(run: Cli) -> None:
    run.ok("releases", "create", "cli-ready", "--env", "production", "--flag", "dark-mode=true",
           "--approvals", "1")  # fmt: skip
    result = run("releases", "readiness", "cli-ready", "--exit-code")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Release cli-ready is not ready. Missing:", "  - approvals: 1 needed, 0 valid",
    ]  # fmt: skip
    # and starting it is refused with the same list
    start = run("releases", "start", "cli-ready")
    assert start.exit_code == 4
    assert "approvals: 1 needed, 0 valid" in start.stderr


def test_releases_approve__own_release__refused(run: Cli) -> None:
    run.ok("releases", "create", "cli-self", "--env", "production", "--flag", "dark-mode=true")
    result = run("releases", "approve", "cli-self")
    assert result.exit_code == 1
    assert "nobody approves their own release" in result.stderr


def test_releases_update__approved_release__approval_void(run: Cli) -> None:
    # Given a release approved by a second admin
    run.ok("releases", "create", "cli-void", "--env", "production", "--flag", "dark-mode=true",
           "--approvals", "1")  # fmt: skip
    approver = _second_admin(run, "cli-void-approver")
    approved = run.ok("releases", "approve", "cli-void", "-m", "fine", PREMIERE_TOKEN=approver)
    assert "Approved release cli-void as cli-void-approver" in approved.stdout
    assert "ready" in run.ok("releases", "readiness", "cli-void").stdout
    # When it changes
    updated = run.ok("releases", "update", "cli-void", "--stages", "50%,100%")
    # Then the approval no longer counts
    assert "no longer count" in updated.stdout
    plan = _json(run.ok("releases", "update", "cli-void", "--hold", "5m", "--json"))["plan"]
    assert [(s["percent"], s["hold_seconds"]) for s in plan["stages"]] == [(50, 300), (100, 300)]
    approvals = _json(run.ok("releases", "approvals", "cli-void", "--json"))
    assert [(a["comment"], a["void"]) for a in approvals] == [("fine", True)]
    assert "approvals: 1 needed, 0 valid" in run.ok("releases", "readiness", "cli-void").stdout


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


def test_releases_update__new_stages__keep_hold_and_advance(run: Cli) -> None:
    # Given a release planned with one-hour, manually advanced stages
    run.ok("releases", "create", "cli-pace", "--env", "production", "--flag", "dark-mode=true",
           "--stages", "staff,10%,100%", "--hold", "1h", "--advance", "manual")  # fmt: skip
    # When its stages change (one more of them)
    updated = run.ok("releases", "update", "cli-pace", "--stages", "staff,5%,25%,100%", "--json")
    # Then every stage still holds an hour and waits for a person
    stages = _json(updated)["plan"]["stages"]
    assert [(s["percent"], s["hold_seconds"], s["advance"]) for s in stages] == [
        (None, 3600, "manual"), (5, 3600, "manual"), (25, 3600, "manual"), (100, 3600, "manual"),
    ]  # fmt: skip
    # And --hold given with --stages sets the hold and keeps the advance mode
    fewer = run.ok("releases", "update", "cli-pace", "--stages", "50%,100%", "--hold", "10m",
                   "--json")  # fmt: skip
    stages = _json(fewer)["plan"]["stages"]
    assert [(s["hold_seconds"], s["advance"]) for s in stages] == [(600, "manual")] * 2


def test_releases_start_pause_advance_rollback__by_hand__states_and_stages(run: Cli) -> None:
    run.ok("releases", "create", "cli-steer", "--env", "staging", "--flag", "dark-mode=true",
           "--stages", "10%,100%", "--advance", "manual")  # fmt: skip
    assert "rolling_out, stage 1/2 (10%)" in run.ok("releases", "start", "cli-steer").stdout
    assert "paused" in run.ok("releases", "pause", "cli-steer", "-m", "look").stdout
    assert "rolling_out" in run.ok("releases", "resume", "cli-steer").stdout
    advanced = run.ok("releases", "advance", "cli-steer").stdout
    assert "rolling_out, stage 2/2 (100%)" in advanced
    rolled = run.ok("releases", "rollback", "cli-steer", "-m", "undo")
    assert "rolled_back" in rolled.stdout
    history = _json(run.ok("releases", "history", "cli-steer", "--json"))
    assert [t["to"] for t in history][-1] == "rolled_back"
    assert "undo" in run.ok("releases", "history", "cli-steer").stdout
    assert run("releases", "watch", "cli-steer").exit_code == 1  # ended rolled back


def test_releases_get__unknown__exit_3(run: Cli) -> None:
    assert run("releases", "get", "no-such-release").exit_code == 3


def test_trains__create_and_get__next_departures(run: Cli) -> None:
    run.ok("trains", "create", "cli-biweekly", "--every", "2", "--weekday", "tuesday",
           "--at", "10:00", "--timezone", "Europe/Berlin", "--anchor", "2026-01-06")  # fmt: skip
    shown = run.ok("trains", "get", "cli-biweekly", "--count", "2").stdout
    assert "every 2 weeks on tuesday at 10:00 Europe/Berlin" in shown
    assert shown.count("departs") == 2
    assert "cli-biweekly" in run.ok("trains", "list").stdout


def test_freezes__create_list_delete__gone(run: Cli) -> None:
    created = _json(run.ok("freezes", "create", "--env", "testing", "--start",
                           "2030-12-24T00:00:00Z", "--end", "2030-12-27T00:00:00Z",
                           "--reason", "Holidays", "--json"))  # fmt: skip
    assert "Holidays" in run.ok("freezes", "list", "--env", "testing").stdout
    run.ok("freezes", "delete", str(created["id"]))
    assert "Holidays" not in run.ok("freezes", "list", "--env", "testing").stdout


def test_flags_schedule__on_at_a_time__pending_then_cancelled(run: Cli) -> None:
    change = _json(run.ok("flags", "schedule", "holiday-sale", "--env", "testing", "--on",
                          "--at", "2030-12-24T08:00:00+01:00", "--json"))  # fmt: skip
    assert (change["patch"], change["status"]) == ({"on": True}, "pending")
    listed = run.ok("flags", "schedules", "--flag", "holiday-sale").stdout
    assert "pending" in listed
    run.ok("flags", "unschedule", str(change["id"]))
    listed = _json(run.ok("flags", "schedules", "--flag", "holiday-sale", "--json"))
    assert [c["status"] for c in listed if c["id"] == change["id"]] == ["cancelled"]


# -- watch, against a server that answers a sequence of states ------------------------------


def _release(state: str, stage: int | None, hold: str | None = None) -> dict[str, Any]:
    stages = [{"segment": "staff", "percent": None}, {"segment": None, "percent": 50},
              {"segment": None, "percent": 100}]  # fmt: skip
    transition = {"at": f"2026-11-26T13:00:0{stage or 0}Z", "reason": None}
    return {"key": "rel", "state": state, "stage": stage, "hold_until": hold,
            "plan": {"stages": stages}, "last_transition": transition}  # fmt: skip


def _watch(answers: list[Any], **options: Any) -> int:
    """Runs the watch against a server answering ``answers`` in turn; its exit code."""
    remaining = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        item = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(item, BaseException):
            raise item
        return httpx.Response(200, json=item)

    client = ApiClient("http://premiere.test", "t", transport=httpx.MockTransport(answer))
    api = ProjectApi(client, "demo")
    settings = {"interval": 0.01, "timeout": None, "as_json": False, **options}
    with click.Context(click.Command("watch")):
        try:
            watch_release(api, "rel", **settings)
        except click.exceptions.Exit as done:
            return done.exit_code
    return 0


def test_watch__not_a_terminal__one_plain_line_per_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hold = "2026-11-26T13:00:05.000000Z"
    answers = [_release("rolling_out", 0, hold), _release("rolling_out", 0, hold),
               _release("rolling_out", 1), _release("released", 2)]  # fmt: skip
    assert _watch(answers) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-11-26 13:00:00  rolling_out  stage 1/3 (staff)  hold until 2026-11-26 13:00:05",
        "2026-11-26 13:00:01  rolling_out  stage 2/3 (50%)",
        "2026-11-26 13:00:02  released  stage 3/3 (100%)",
    ]


def test_watch__terminal__live_line_and_changes_above_it(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(release_watch, "console", lambda stderr=False: terminal)
    assert _watch([_release("rolling_out", 0), _release("rolled_back", 0)]) == 1
    shown = screen.getvalue()
    assert "rolling_out  stage 1/3 (staff)" in shown
    assert "rolled_back  stage 1/3 (staff)" in shown
    assert "\x1b[" in shown  # drawn, not printed plainly


def test_watch__until_stage__stops_there(capsys: pytest.CaptureFixture[str]) -> None:
    answers = [_release("rolling_out", 0), _release("rolling_out", 1), _release("released", 2)]
    assert _watch(answers, until_stage="50%") == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("stage 2/3 (50%)")
    with pytest.raises(BadUsage, match="the plan has staff, 50%, 100%"):
        _watch(answers, until_stage="25%")


def test_watch__json_and_timeout__json_lines_exit_11(capsys: pytest.CaptureFixture[str]) -> None:
    assert _watch([_release("paused", 1)], as_json=True, timeout=0.05) == 11
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["state"] for line in lines] == ["paused"]


def test_watch__ctrl_c__exit_130_and_the_release_goes_on() -> None:
    with pytest.raises(release_watch.StoppedWatching) as stopped:
        _watch([_release("rolling_out", 0), KeyboardInterrupt()])
    assert stopped.value.exit_code == 130
    assert "premiere releases get rel" in stopped.value.message


def test_releases_start__override_freeze_without_reason__usage_error(run: Cli) -> None:
    result = run("releases", "start", "cli-anything", "--override-freeze")
    assert result.exit_code == 2
    assert "--override-freeze needs a --reason" in result.stderr


def test_releases_start__frozen_environment__refused_unless_overridden(run: Cli) -> None:
    # Given a freeze window open now in testing, and a release there
    frozen = _json(run.ok("freezes", "create", "--env", "testing", "--start",
                          "2020-01-01T00:00:00Z", "--end", "2099-01-01T00:00:00Z",
                          "--reason", "Code freeze", "--json"))  # fmt: skip
    try:
        run.ok("releases", "create", "cli-frozen", "--env", "testing", "--flag", "dark-mode=true")
        # Then readiness names the freeze, and start is refused
        assert "Code freeze" in run.ok("releases", "readiness", "cli-frozen").stdout
        assert run("releases", "start", "cli-frozen").exit_code == 4
        # unless overridden with a reason
        started = run.ok("releases", "start", "cli-frozen", "--override-freeze", "-m", "hotfix")
        assert "rolling_out" in started.stdout
        run.ok("releases", "rollback", "cli-frozen")
    finally:
        run.ok("freezes", "delete", str(frozen["id"]))


def test_releases_schedule__draft__scheduled(run: Cli) -> None:
    run.ok("releases", "create", "cli-later", "--env", "production", "--flag", "maintenance-banner",
           "--approvals", "1")  # fmt: skip
    scheduled = run.ok("releases", "schedule", "cli-later", "--at", "2030-06-01T09:00:00",
                       "--timezone", "Europe/Berlin")  # fmt: skip
    assert "Scheduled release cli-later (scheduled)" in scheduled.stdout
    release = _json(run.ok("releases", "get", "cli-later", "--json"))
    assert release["schedule"]["start_at"].startswith("2030-06-01T07:00:00")


def test_releases_guards__none_recorded__says_so(run: Cli) -> None:
    run.ok("releases", "create", "cli-guards", "--env", "production", "--flag", "dark-mode=true")
    assert run.ok("releases", "guards", "cli-guards").stdout.strip() == (
        "No guard decisions of cli-guards."
    )


def test_load_file__yaml_without_pyyaml__says_to_use_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    file = tmp_path / "release.yaml"
    file.write_text("key: x\n")
    with pytest.raises(BadUsage, match=r"needs PyYAML .* or write the file as JSON"):
        load_file(file)


@pytest.mark.parametrize(("action", "retried"), [("pause", True), ("rollback", True),
                                                 ("advance", False), ("start", False)])  # fmt: skip
def test_releases_action__version_conflict__only_pause_and_rollback_sent_again(
    action: str, retried: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a release the scheduler changes once between our GET and our POST
    posts: list[dict[str, Any]] = []
    versions = iter([3, 4])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            version = next(versions)
            return httpx.Response(200, json={"key": "rel", "version": version},
                                  headers={"ETag": f'"{version}"'})  # fmt: skip
        posts.append(json.loads(request.content))
        if len(posts) == 1:
            error = {"code": "version_conflict", "message": "changed", "details": {}}
            return httpx.Response(409, json={"error": error})
        return httpx.Response(200, json={"key": "rel", "state": "paused", "version": 5})

    client = ApiClient("http://premiere.test", "t", transport=httpx.MockTransport(answer))
    monkeypatch.setattr(release_actions, "project_api", lambda: ProjectApi(client, "demo"))
    # When the command runs
    result = CliRunner().invoke(cli, ["releases", action, "rel"], catch_exceptions=False)
    # Then a safe action went again against the new version; the others were refused
    assert result.exit_code == (0 if retried else 4)
    assert [p["version"] for p in posts] == ([3, 4] if retried else [3])
