"""``premiere releases start|pause|resume|advance|rollback|schedule``: steering a release.

Each action is sent with the version of the release it was based on; when the release
changed in between (the scheduler advanced it, someone paused it), pause and rollback
are sent again against the new version (they are safe to repeat), the others are refused
with exit code 4 so that nobody advances a stage they have not seen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from premiere.cli.context import api_options, json_option, project_option
from premiere.cli.exits import BadUsage, Conflict
from premiere.cli.output import emit_json, say
from premiere.cli.releases.commands import releases
from premiere.cli.releases.remote import ProjectApi, clean, project_api
from premiere.cli.releases.views import missing_text, progress

__all__ = ["releases"]

F = TypeVar("F", bound=Callable[..., Any])


def reason_option(func: F) -> F:
    return click.option("--reason", "-m", help="Why; kept in the history and audit log.")(func)


def freeze_option(func: F) -> F:
    return click.option(
        "--override-freeze",
        is_flag=True,
        help="Go ahead inside a freeze window (needs --reason; audited).",
    )(func)


def _overriding(reason: str | None, override_freeze: bool) -> dict[str, Any]:
    if override_freeze and not reason:
        raise BadUsage("--override-freeze needs a --reason (it is kept in the audit log)")
    return {"reason": reason, "override_freeze": override_freeze or None}


def act(
    api: ProjectApi, key: str, action: str, body: dict[str, Any], *, retry: bool = False
) -> dict[str, Any]:
    """POST releases/KEY/ACTION with the release's current version."""
    for attempt in (1, 2):
        current, version = api.get_versioned("releases", key)
        payload = clean({**body, "version": version or current.get("version")})
        try:
            result: dict[str, Any] = api.post("releases", key, action, body=payload)
            return result
        except Conflict as exc:
            if exc.code == "version_conflict" and retry and attempt == 1:
                continue
            missing = exc.details.get("missing")
            if isinstance(missing, list) and missing:
                lines = [f"  - {missing_text(m)}" for m in missing if isinstance(m, dict)]
                text = exc.message + "\nMissing:\n" + "\n".join(lines)
                raise type(exc)(text, code=exc.code, details=exc.details) from None
            raise
    raise AssertionError("unreachable")


def _report(release: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(release)
        return
    stage = progress(release)
    where = f", stage {stage}" if stage != "-" else ""
    say(f"{verb} release {release.get('key')}: {release.get('state')}{where}.")


@releases.command("start")
@click.argument("key")
@reason_option
@freeze_option
@project_option
@api_options
@json_option
def releases_start(key: str, reason: str | None, override_freeze: bool, as_json: bool) -> None:
    """Start rolling release KEY out now (its first stage); it must be ready."""
    body = _overriding(reason, override_freeze)
    _report(act(project_api(), key, "start", body), as_json, "Started")


@releases.command("advance")
@click.argument("key")
@reason_option
@freeze_option
@project_option
@api_options
@json_option
def releases_advance(key: str, reason: str | None, override_freeze: bool, as_json: bool) -> None:
    """Move release KEY to its next stage now (after the last one it is released)."""
    body = _overriding(reason, override_freeze)
    _report(act(project_api(), key, "advance", body), as_json, "Advanced")


@releases.command("pause")
@click.argument("key")
@reason_option
@project_option
@api_options
@json_option
def releases_pause(key: str, reason: str | None, as_json: bool) -> None:
    """Hold release KEY at its current stage (no automatic advance until resumed)."""
    _report(act(project_api(), key, "pause", {"reason": reason}, retry=True), as_json, "Paused")


@releases.command("resume")
@click.argument("key")
@reason_option
@project_option
@api_options
@json_option
def releases_resume(key: str, reason: str | None, as_json: bool) -> None:
    """Let paused release KEY go on from its current stage."""
    _report(act(project_api(), key, "resume", {"reason": reason}), as_json, "Resumed")


@releases.command("rollback")
@click.argument("key")
@reason_option
@project_option
@api_options
@json_option
def releases_rollback(key: str, reason: str | None, as_json: bool) -> None:
    """Take release KEY back: its flags serve what they served before it started."""
    release = act(project_api(), key, "rollback", {"reason": reason}, retry=True)
    _report(release, as_json, "Rolled back")


@releases.command("schedule")
@click.argument("key")
@click.option("--at", "start_at", help="Start at this time (RFC 3339). [default: once ready]")
@click.option("--timezone", help="Read --at without an offset in this IANA time zone.")
@reason_option
@project_option
@api_options
@json_option
def releases_schedule(
    key: str, start_at: str | None, timezone: str | None, reason: str | None, as_json: bool
) -> None:
    """Schedule draft release KEY: it starts by itself once ready (and --at has come)."""
    body = {"start_at": start_at, "timezone": timezone, "reason": reason}
    release = act(project_api(), key, "schedule", body)
    if as_json:
        emit_json(release)
        return
    when = (release.get("schedule") or {}).get("start_at") or "as soon as it is ready"
    say(f"Scheduled release {key} ({release.get('state')}); it starts {when}.")
