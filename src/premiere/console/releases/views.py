"""How the releases pages word a release: its stage, audience share and schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from premiere.console.pages import duration


def stage_label(stage: Mapping[str, Any]) -> str:
    """``5 %`` or ``segment staff``."""
    if stage.get("percent") is not None:
        return f"{stage['percent']:g} %"
    return f"segment {stage.get('segment')}"


def release_row(release: Mapping[str, Any]) -> dict[str, Any]:
    """A release as the list shows it."""
    stages = release["plan"].get("stages") or []
    stage = release["stage"]
    current = stages[stage] if stage is not None and 0 <= stage < len(stages) else None
    schedule = release["schedule"]
    if schedule.get("train"):
        when = f"with train {schedule['train']}"
        if schedule.get("start_at"):
            when += f", departs {schedule['start_at']}"
    elif schedule.get("start_at"):
        when = f"starts {schedule['start_at']}"
    else:
        when = "when started by hand"
    return {
        "key": release["key"],
        "name": release["name"],
        "state": release["state"],
        "environment": release["environment"],
        "stage": None if stage is None else stage + 1,
        "stages": len(stages),
        "audience": stage_label(current) if current else "none yet",
        "percent": _percent(release, current),
        "schedule": when,
    }


def plan_rows(release: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each stage of the plan: done, current or to come, with its hold and advance."""
    current = release["stage"]
    finished = release["state"] == "released"
    rows = []
    for index, stage in enumerate(release["plan"].get("stages") or []):
        if finished or (current is not None and index < current):
            progress = "done"
        elif current == index:
            progress = "current"
        else:
            progress = "to come"
        rows.append(
            {
                "number": index + 1,
                "audience": stage_label(stage),
                "percent": stage.get("percent"),
                "hold": duration(stage.get("hold_seconds") or 0)
                if stage.get("hold_seconds")
                else "none",
                "advance": "on approval (manual)"
                if stage.get("advance") == "manual"
                else "automatic",
                "progress": progress,
            }
        )
    return rows


def _percent(release: Mapping[str, Any], current: Mapping[str, Any] | None) -> float | None:
    """The share of the audience the release reaches now; None at a segment's stage."""
    if release["state"] == "released":
        return 100.0
    if current is None or release["state"] == "rolled_back":
        return 0.0
    percent = current.get("percent")
    return None if percent is None else float(percent)
