"""The releases calendar: a month or a week of days (UTC), each with the releases
scheduled to start that day, the release trains' departures, the freeze windows
open during it and the go-to-market checklist items due that day (overdue ones
marked). Built from the services the API uses; rendered as a table grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from premiere.errors import ValidationError
from premiere.services.releases.checklist import list_due_checklist_items
from premiere.services.releases.records import list_releases
from premiere.services.releases.schedules import (
    list_freeze_windows,
    list_release_trains,
    next_departures,
)
from premiere.store import Store

VIEWS = ("month", "week")
MAX_DEPARTURES = 62


@dataclass
class Day:
    day: date
    in_period: bool
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Calendar:
    view: str
    anchor: date
    title: str
    previous: date
    next: date
    weeks: list[list[Day]]

    @property
    def empty(self) -> bool:
        return not any(day.entries for week in self.weeks for day in week)


def parse_anchor(value: str | None, today: date) -> date:
    """The day the calendar shows (``YYYY-MM-DD``), today when none is given."""
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError.single("date", "date", "must be a date as YYYY-MM-DD") from None


def build_calendar(
    store: Store, project: str, view: str, anchor: date, *, now: datetime | None = None
) -> Calendar:
    if view not in VIEWS:
        raise ValidationError.single("view", "enum", "must be month or week")
    first, last, title, previous, following = _period(view, anchor)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    days = {
        start + timedelta(days=n): Day(
            start + timedelta(days=n), first <= start + timedelta(days=n) <= last
        )
        for n in range((end - start).days + 1)
    }
    _add_entries(store, project, days, start, end, now)
    ordered = [days[day] for day in sorted(days)]
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    return Calendar(view, anchor, title, previous, following, weeks)


def _period(view: str, anchor: date) -> tuple[date, date, str, date, date]:
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        sunday = monday + timedelta(days=6)
        title = f"Week of {monday.isoformat()} (ISO week {monday.isocalendar().week})"
        return monday, sunday, title, monday - timedelta(days=7), monday + timedelta(days=7)
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return first, following - timedelta(days=1), first.strftime("%B %Y"), previous, following


def _add_entries(
    store: Store,
    project: str,
    days: dict[date, Day],
    start: date,
    end: date,
    now: datetime | None,
) -> None:
    since = datetime.combine(start, time(), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    dated = _releases(store, project) + _departures(store, project, since, until)
    for moment, entry in dated + _checklist_items(store, project, now):
        if since <= moment < until:
            days[moment.date()].entries.append({**entry, "at": moment.strftime("%H:%M")})
    for window in list_freeze_windows(store, project):
        opens, closes = _instant(window["start"]), _instant(window["end"])
        if opens is None or closes is None:
            continue
        for day, cell in days.items():
            day_start = datetime.combine(day, time(), tzinfo=UTC)
            if opens < day_start + timedelta(days=1) and closes > day_start:
                cell.entries.append({"kind": "freeze", **window})
    for cell in days.values():
        cell.entries.sort(key=lambda entry: (entry["kind"] != "freeze", entry.get("at", "")))


Dated = list[tuple[datetime, dict[str, Any]]]


def _releases(store: Store, project: str) -> Dated:
    found: Dated = []
    for release in list_releases(store, project):
        moment = _instant(release["schedule"].get("start_at"))
        if moment is not None:
            entry = {"kind": "release", "key": release["key"], "name": release["name"],
                     "state": release["state"], "environment": release["environment"]}  # fmt: skip
            found.append((moment, entry))
    return found


def _checklist_items(store: Store, project: str, now: datetime | None) -> Dated:
    found: Dated = []
    for due in list_due_checklist_items(store, project, now=now):
        moment = _instant(due["item"]["due_at"])
        if moment is not None:
            entry = {"kind": "checklist", "key": due["release"], "name": due["release_name"],
                     "item": due["item"]}  # fmt: skip
            found.append((moment, entry))
    return found


def _departures(store: Store, project: str, since: datetime, until: datetime) -> Dated:
    found: Dated = []
    for train in list_release_trains(store, project):
        after = since - timedelta(microseconds=1)
        for moment in next_departures(train["cadence"], after, MAX_DEPARTURES):
            if moment >= until:
                break
            entry = {"kind": "train", "key": train["key"], "name": train["name"],
                     "environment": train["environment"]}  # fmt: skip
            found.append((moment, entry))
    return found


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None
