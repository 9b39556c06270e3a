"""`premiere releases`, `trains`, `freezes` and flag schedules against a live server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result

from .conftest import Cli


def _json(result: Result) -> Any:
    return json.loads(result.stdout)


def _tick_required(run: Cli, key: str) -> None:
    """Tick the required checklist items (the demo's template gives every release one)."""
    for item in _json(run.ok("releases", "checklist", key, "--json"))["missing"]:
        run.ok("releases", "tick", key, item)


def _second_admin(run: Cli, name: str) -> str:
    return run.ok("tokens", "create", "--scope", "admin", "--name", name, "--quiet").stdout.strip()


def test_releases_create__options__the_release_as_defined(run: Cli) -> None:
    # When a release is defined with options only
    created = run.ok(
        "releases", "create", "cli-options", "--env", "production", "--name", "Options",
        "--flag", "dark-mode=true", "--flag", "checkout-button-color=green",
        "--stages", "staff,50%,100%", "--hold", "10m", "--approvals", "2",
        "--notes-title", "Dark mode", "--notes-body", "At last.\n\n- *Dark* everywhere",
        "--category", "new",
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
    body = "At last.\n\n- *Dark* everywhere"
    assert release["notes"] == {"title": "Dark mode", "body": body, "category": "new"}
    shown = run.ok("releases", "get", "cli-options").stdout
    assert "draft" in shown and "10m" in shown and "0/2" in shown
    assert "Release notes\nAt last.\n\n- *Dark* everywhere\n" in shown  # the body, as written
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
    assert "--flag dark-mode=maybe: no variation has this value" in result.stderr
    assert "#0 = true (on), #1 = false (off)" in result.stderr


def test_releases_readiness__unapproved__says_what_is_missing_and_exit_code_1(run: Cli) -> None:
    run.ok("releases", "create", "cli-ready", "--env", "production", "--flag", "dark-mode=true",
           "--approvals", "1")  # fmt: skip
    result = run("releases", "readiness", "cli-ready", "--exit-code")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if "checklist:" not in line]
    assert lines == [  # besides the required items of the demo's checklist template
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
    _tick_required(run, "cli-steer")
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
        _tick_required(run, "cli-frozen")
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


def test_flags_off__flag_of_a_release_rolling_out__conflict_exit_4_naming_the_release(
    run: Cli,
) -> None:
    run.ok("flags", "create", "cli-locked")
    run.ok("deployments", "record", "-s", "worker", "-v", "9.1.0", "-e", "development",
           "--commit", "abcdef1", "--features", "cli-locked")  # fmt: skip
    run.ok("releases", "create", "cli-locker", "--env", "development", "--flag", "cli-locked=true",
           "--stages", "10%,100%", "--advance", "manual")  # fmt: skip
    _tick_required(run, "cli-locker")
    run.ok("releases", "start", "cli-locker")
    refused = run("flags", "off", "cli-locked", "--env", "development")
    assert refused.exit_code == 4, refused.stderr
    assert "[flag_locked_by_release]" in refused.stderr
    assert "release 'cli-locker'" in refused.stderr
    assert "roll the release back" in refused.stderr
    run.ok("releases", "rollback", "cli-locker", "-m", "kill switch")
    run.ok("flags", "on", "cli-locked", "--env", "development")
