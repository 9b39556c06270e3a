"""``premiere releases watch``: follow a release's state and stage until it ends.

Polls the release. On a terminal a live panel shows the state, the stage and the hold;
otherwise (and in logs) one plain line per change. Exit codes: 0 released (or at the
--until-stage), 1 rolled back, 11 when --timeout ran out first, 130 on Ctrl-C (the
release itself goes on).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.live import Live
from rich.text import Text

from premiere.cli.exits import ERROR, BadUsage, CliError
from premiere.cli.flags.syntax import parse_percent
from premiere.cli.output import console
from premiere.cli.releases.remote import ProjectApi
from premiere.cli.releases.views import (
    FINAL_STATES,
    progress,
    seconds_time,
    stage_label,
    stages_of,
    waits_for_advance,
)

STILL_GOING = 11


class StoppedWatching(CliError):
    """Ctrl-C while watching: only the watching stops."""

    exit_code = 128 + int(signal.SIGINT)


def watch_release(
    api: ProjectApi,
    key: str,
    *,
    interval: float,
    timeout: float | None,
    as_json: bool,
    until_stage: str | None = None,
) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    out = console()
    live = out.is_terminal and not as_json
    last: tuple[Any, ...] | None = None
    release: dict[str, Any] = {}
    try:
        with _display(live) as show:
            while True:
                release = api.get("releases", key)
                seen = (release.get("state"), release.get("stage"), release.get("hold_until"))
                if seen != last:
                    _announce(release, as_json, live)
                    last = seen
                if show is not None:
                    show(_panel(release))
                if release.get("state") in FINAL_STATES:
                    break
                if until_stage is not None and _reached(release, until_stage):
                    return
                if deadline is not None and time.monotonic() >= deadline:
                    click.echo(f"Still {release.get('state')} after {timeout:g}s.", err=True)
                    click.get_current_context().exit(STILL_GOING)
                time.sleep(interval)
    except KeyboardInterrupt:
        raise StoppedWatching(
            f"stopped watching release {key}; it goes on (see `premiere releases get {key}`)"
        ) from None
    click.get_current_context().exit(0 if release.get("state") == "released" else ERROR)


def _reached(release: dict[str, Any], target: str) -> bool:
    """Whether the release is at (or past) stage ``target``: a number from 1 or a label."""
    stage = release.get("stage")
    if not isinstance(stage, int):
        return False
    stages = stages_of(release)
    if target.isdigit():
        index = int(target) - 1
    else:
        if target.strip().endswith("%"):  # 50 %, 12.50% -> the label 50%, 12.5%
            target = f"{parse_percent(target.strip()[:-1], '--until-stage'):g}%"
        labels = [stage_label(s) for s in stages]
        if target not in labels:
            raise BadUsage(f"--until-stage {target}: the plan has {', '.join(labels)}")
        index = labels.index(target)
    return stage >= index


def line(release: dict[str, Any]) -> str:
    """``2026-11-26 12:30:01  rolling_out  stage 2/4 (10%)  hold until 12:30:02``."""
    at = seconds_time((release.get("last_transition") or {}).get("at") or release.get("updated_at"))
    parts = [str(at), str(release.get("state"))]
    stage = progress(release)
    if stage != "-":
        parts.append(f"stage {stage}")
    if waits_for_advance(release):
        parts.append("waits for: premiere releases advance")
    elif release.get("hold_until") and release.get("state") == "rolling_out":
        parts.append(f"hold until {seconds_time(release['hold_until'])}")
    reason = (release.get("last_transition") or {}).get("reason")
    if reason:
        parts.append(f"({reason})")
    return "  ".join(parts)


def _announce(release: dict[str, Any], as_json: bool, live: bool) -> None:
    if as_json:
        click.echo(json.dumps(release, ensure_ascii=False))
    elif live:
        console().print(Text(line(release)))
    else:
        click.echo(line(release))


def _panel(release: dict[str, Any]) -> Text:
    text = Text()
    text.append(f"{release.get('key')} ", style="bold")
    text.append(str(release.get("state")))
    stage = progress(release)
    if stage != "-":
        text.append(f"  stage {stage}")
    hold = release.get("hold_until")
    if waits_for_advance(release):
        text.append("  next stage when you run: premiere releases advance", style="dim")
    elif hold and release.get("state") == "rolling_out":
        text.append(f"  next stage at {seconds_time(hold)} UTC", style="dim")
    return text


@contextmanager
def _display(live: bool) -> Iterator[Callable[[Text], None] | None]:
    if not live:
        yield None
        return
    with Live(Text(""), console=console(), refresh_per_second=4, transient=True) as panel:
        yield panel.update
