"""``premiere release-trains``, ``premiere freeze-windows``, ``premiere flags schedule``:
when things ship.

A release train departs on a cadence (every N weeks on a weekday, at a time, in a
time zone); releases that ride it start at its next departure. A freeze window keeps
releases from starting or advancing in an environment. A scheduled change applies a
flag configuration change at a given time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from premiere.cli.context import (
    api_options,
    environment_option,
    json_option,
    known_environment,
    project_option,
)
from premiere.cli.exits import BadUsage
from premiere.cli.flags.commands import flags
from premiere.cli.flags.syntax import describe_patch
from premiere.cli.output import emit_json, say, table
from premiere.cli.releases.remote import clean, flag_variations, project_api
from premiere.cli.releases.views import seconds_time

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


# -- release trains -----------------------------------------------------------------------


@click.group("release-trains")
def release_trains() -> None:
    """Release trains: a cadence releases ride (e.g. every 2 weeks, Tuesday 10:00 Berlin)."""


def _cadence(
    every: int | None, weekday: str | None, at: str | None, timezone: str | None, anchor: str | None
) -> dict[str, Any] | None:
    cadence = clean({"interval_weeks": every, "weekday": weekday, "time": at,
                     "timezone": timezone, "anchor": anchor})  # fmt: skip
    return cadence or None


F = TypeVar("F", bound=Callable[..., Any])
ANCHOR_HELP = "A date of one departure (sets the weeks)."


def cadence_options(anchor_help: str) -> Callable[[F], F]:
    """The cadence's options; ``anchor_help`` says what --anchor does when left out."""

    def decorate(func: F) -> F:
        for option in reversed(_cadence_option_list(anchor_help)):
            func = option(func)
        return func

    return decorate


def _cadence_option_list(anchor_help: str) -> list[Any]:
    return [
        click.option("--every", type=click.IntRange(1), metavar="WEEKS",
                     help="Weeks between departures."),
        click.option("--weekday", type=click.Choice(WEEKDAYS), help="Day of the departure."),
        click.option("--at", "at", metavar="HH:MM", help="Time of the departure."),
        click.option("--timezone", help="IANA time zone, e.g. Europe/Berlin."),
        click.option("--anchor", metavar="DATE", help=f"{ANCHOR_HELP} {anchor_help}"),
    ]  # fmt: skip


@release_trains.command("create")
@click.argument("key")
@click.option("--name", help="Display name.")
@environment_option(help="Its environment.")
@cadence_options("Default: the next date matching the cadence.")
@project_option
@api_options
@json_option
def release_trains_create(
    key: str, name: str | None, environment: str | None, as_json: bool, **cadence: Any
) -> None:
    """Create release train KEY.

    Without --anchor, the server anchors the cadence on its next departure: the
    first --weekday at --at in --timezone after now.
    """
    body = clean({"key": key, "name": name, "environment": environment,
                  "cadence": _cadence(**cadence)})  # fmt: skip
    train = project_api().post("release-trains", body=body)
    if as_json:
        emit_json(train)
        return
    say(f"Created release train {train['key']}.")


@release_trains.command("update")
@click.argument("key")
@click.option("--name", help="Display name.")
@environment_option(help="Its environment.")
@cadence_options("Default: the train's anchor.")
@project_option
@api_options
@json_option
def release_trains_update(
    key: str, name: str | None, environment: str | None, as_json: bool, **cadence: Any
) -> None:
    """Change release train KEY (the cadence fields given replace the old ones)."""
    api = project_api()
    current, version = api.get_versioned("release-trains", key)
    changed = _cadence(**cadence)
    cadence_body = {**(current.get("cadence") or {}), **changed} if changed else None
    body = clean({"name": name, "environment": environment, "cadence": cadence_body})
    if not body:
        raise BadUsage("nothing to change")
    train = api.patch("release-trains", key, body=body, version=version or current.get("version"))
    if as_json:
        emit_json(train)
        return
    say(f"Updated release train {key} (version {train.get('version')}).")


@release_trains.command("list")
@project_option
@api_options
@json_option
def release_trains_list(as_json: bool) -> None:
    """List the release trains."""
    items = project_api().get("release-trains")
    if as_json:
        emit_json(items)
        return
    rows = [(t.get("key"), t.get("name"), t.get("environment"), _cadence_text(t.get("cadence")))
            for t in items]  # fmt: skip
    table("Release trains", ["key", "name", "environment", "cadence"], rows)


@release_trains.command("get")
@click.argument("key")
@click.option("--count", type=click.IntRange(1, 50), default=5, show_default=True,
              help="How many departures to show.")  # fmt: skip
@project_option
@api_options
@json_option
def release_trains_get(key: str, count: int, as_json: bool) -> None:
    """Show release train KEY and its next departures."""
    api = project_api()
    train = api.get("release-trains", key)
    departures = api.get("release-trains", key, "departures", params={"count": count})
    if as_json:
        emit_json({**train, "departures": departures.get("departures", [])})
        return
    say(f"Release train {train.get('key')}: {_cadence_text(train.get('cadence'))}")
    for at in departures.get("departures", []):
        say(f"  departs {seconds_time(at)} UTC")


def _cadence_text(cadence: Any) -> str:
    if not isinstance(cadence, dict):
        return "-"
    weeks = cadence.get("interval_weeks")
    every = "every week" if weeks in (None, 1) else f"every {weeks} weeks"
    zone = cadence.get("timezone") or "UTC"
    return f"{every} on {cadence.get('weekday')} at {cadence.get('time')} {zone}"


# -- freeze windows -----------------------------------------------------------------------


@click.group("freeze-windows")
def freeze_windows() -> None:
    """Freeze windows: times when releases neither start nor advance in an environment."""


@freeze_windows.command("create")
@environment_option(required=True, help="Environment.")
@click.option("--start", required=True, help="Start (RFC 3339).")
@click.option("--end", required=True, help="End (RFC 3339).")
@click.option("--reason", "-m", required=True, help="Why, e.g. 'Black Friday'.")
@project_option
@api_options
@json_option
def freeze_windows_create(
    environment: str, start: str, end: str, reason: str, as_json: bool
) -> None:
    """Freeze releases in one environment from --start to --end."""
    body = {"environment": environment, "start": start, "end": end, "reason": reason}
    window = project_api().post("freeze-windows", body=body)
    if as_json:
        emit_json(window)
        return
    say(f"Created freeze window #{window.get('id')} in {environment}.")


@freeze_windows.command("list")
@environment_option(help="Only this environment's.")
@project_option
@api_options
@json_option
def freeze_windows_list(environment: str | None, as_json: bool) -> None:
    """List the freeze windows."""
    items = project_api().get("freeze-windows", params={"environment": environment})
    known_environment(environment, items)
    if as_json:
        emit_json(items)
        return
    rows = [(w.get("id"), w.get("environment"), seconds_time(w.get("start")),
             seconds_time(w.get("end")), w.get("reason")) for w in items]  # fmt: skip
    table("Freeze windows", ["id", "environment", "start (UTC)", "end (UTC)", "reason"], rows)


@freeze_windows.command("delete")
@click.argument("window_id", type=int)
@project_option
@api_options
def freeze_windows_delete(window_id: int) -> None:
    """Delete freeze window WINDOW_ID."""
    project_api().delete("freeze-windows", window_id)
    say(f"Deleted freeze window #{window_id}.")


# -- scheduled flag changes ---------------------------------------------------------------


@flags.command("schedule")
@click.argument("key")
@environment_option(required=True, help="Environment.")
@click.option("--at", "at", required=True, help="When (RFC 3339).")
@click.option("--timezone", help="Read --at without an offset in this IANA time zone.")
@click.option("--on/--off", "turn_on", default=None, help="Turn the flag on (or off) then.")
@click.option(
    "--patch",
    "patch_json",
    metavar="JSON",
    help="Configuration fields to set, as PATCH takes them.",
)
@click.option("--reason", "-m", help="Why; kept with the change.")
@project_option
@api_options
@json_option
def flags_schedule(
    key: str, environment: str, at: str, timezone: str | None, turn_on: bool | None,
    patch_json: str | None, reason: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Change flag KEY's configuration in one environment at a given time."""
    patch: dict[str, Any] = {}
    if patch_json:
        try:
            patch = json.loads(patch_json)
        except ValueError as exc:
            raise BadUsage(f"--patch is not valid JSON: {exc}") from None
        if not isinstance(patch, dict):
            raise BadUsage("--patch must be a JSON object")
    if turn_on is not None:
        patch["on"] = turn_on
    if not patch:
        raise BadUsage("say what to change: --on, --off or --patch JSON")
    body = clean({"flag": key, "environment": environment, "patch": patch, "at": at,
                  "timezone": timezone, "reason": reason})  # fmt: skip
    change = project_api().post("scheduled-changes", body=body)
    if as_json:
        emit_json(change)
        return
    say(f"Scheduled change #{change.get('id')} of {key} in {environment} at {change.get('at')}.")


@flags.command("schedules")
@click.option("--flag", help="Only this flag's.")
@environment_option(help="Only this environment's.")
@click.option("--status", type=click.Choice(["pending", "applied", "failed", "cancelled"]))
@project_option
@api_options
@json_option
def flags_schedules(
    flag: str | None, environment: str | None, status: str | None, as_json: bool
) -> None:
    """List scheduled flag changes."""
    params = {"flag": flag, "environment": environment, "status": status}
    api = project_api()
    items = api.get("scheduled-changes", params=params)
    known_environment(environment, items)
    if as_json:
        emit_json(items)
        return
    variations = flag_variations(api) if items else {}
    rows = [(c.get("id"), c.get("flag"), c.get("environment"), seconds_time(c.get("at")),
             describe_patch(variations.get(str(c.get("flag"))) or [], c.get("patch") or {}),
             c.get("status"), c.get("error") or c.get("reason"))
            for c in items]  # fmt: skip
    table("Scheduled changes", ["id", "flag", "environment", "at (UTC)", "change", "status",
                                "note"], rows)  # fmt: skip


@flags.command("unschedule")
@click.argument("change_id", type=int)
@project_option
@api_options
@json_option
def flags_unschedule(change_id: int, as_json: bool) -> None:
    """Cancel scheduled change CHANGE_ID (before it is applied)."""
    change = project_api().delete("scheduled-changes", change_id)
    if as_json:
        emit_json(change)
        return
    say(f"Cancelled scheduled change #{change_id}.")
