"""A project's releases calendar as iCalendar (RFC 5545), for calendar clients to
subscribe to: its releases (planned start, start, finish; the state in the summary),
the next departures of its release trains, its freeze windows and the go-to-market
checklist items that have a due date.

Every event has a UID that does not change while its subject lives
(``release-<id>@<project>.premiere``), a SEQUENCE that grows with every change of its
subject (a release's version; a checklist item adds the changes of its release's
checklist), and LAST-MODIFIED and DTSTAMP set to the subject's last change. The
calendar has no METHOD, so DTSTAMP is the last change (RFC 5545, 3.8.7.2), and the
same data gives the same bytes: the ETag is a hash of them.

The departures come from :func:`~premiere.services.releases.schedules.next_departures`
and the due dates from :func:`~premiere.services.releases.checklist.due_of`, as on the
console's calendar.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from premiere.errors import ValidationError
from premiere.services.lookups import get_project_row
from premiere.services.releases.checklist import due_of
from premiere.services.releases.schedules import MAX_DEPARTURES, next_departures
from premiere.store import Store
from premiere.store.models import AuditEvent, Project
from premiere.store.releases import ChecklistItem, FreezeWindow, Release, ReleaseTrain
from premiere.store.types import utc_now

DEFAULT_DEPARTURES = 10
PAST_DAYS = 366
"""Releases, freeze windows and due items older than this are left out."""
CHECKLIST_ACTIONS = ("release.checklist_updated", "readiness.item_done", "readiness.item_undone")
MEDIA_TYPE = "text/calendar; charset=utf-8"
HEADER = {
    "prodid": "-//Premiere//Release calendar//EN",
    "version": "2.0",
    "calscale": "GREGORIAN",
    "x-published-ttl": "PT1H",
}


@dataclass(frozen=True)
class CalendarFeed:
    body: bytes
    etag: str


def build_project_calendar(
    store: Store,
    project: str,
    *,
    console_url: str,
    departures: int = DEFAULT_DEPARTURES,
    now: datetime | None = None,
) -> CalendarFeed:
    """The calendar of ``project``; links point into the console at ``console_url``
    (scheme and host, no trailing slash)."""
    if not 1 <= departures <= MAX_DEPARTURES:
        raise ValidationError.single("departures", "range", f"must be 1..{MAX_DEPARTURES}")
    now = now or utc_now()
    since = now - timedelta(days=PAST_DAYS)
    base = f"{console_url}/projects/{quote(project, safe='')}"
    with store.read() as session:
        row = get_project_row(session, project)
        events = [
            *_releases(session, row, base, since),
            *_departures(session, row, base, now, departures),
            *_freezes(session, row, base, since),
            *_checklist_items(session, row, base, since),
        ]
    calendar = Calendar()
    properties = {
        **HEADER,
        "x-wr-calname": f"{row.name}: releases",
        "x-wr-caldesc": f"Releases, trains, freezes and due items of {row.name}",
    }
    for name, value in properties.items():
        calendar.add(name, value)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for event in sorted(events, key=lambda e: (e.decoded("dtstart"), str(e["uid"]))):
        calendar.add_component(event)
    body = calendar.to_ical()
    return CalendarFeed(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def _event(
    uid: str,
    summary: str,
    start: datetime,
    *,
    sequence: int,
    modified: datetime,
    url: str,
    description: str,
    category: str,
    end: datetime | None = None,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", start)
    if end is not None and end > start:
        event.add("dtend", end)
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("sequence", sequence)
    event.add("url", url)
    event.add("description", description)
    event.add("categories", [category])
    return event


def _releases(session: Session, project: Project, base: str, since: datetime) -> Iterator[Event]:
    rows = session.scalars(
        select(Release).where(Release.project_id == project.id).order_by(Release.id)
    )
    for row in rows:
        start = row.started_at or row.start_at
        if start is None or (row.finished_at or start) < since:
            continue
        lines = [f"Environment: {row.environment}", f"State: {_label(row.state)}"]
        lines += [
            f"{label}: {moment.isoformat()}"
            for label, moment in (
                ("Scheduled start", row.start_at),
                ("Started", row.started_at),
                ("Finished", row.finished_at),
            )
            if moment is not None
        ]
        yield _event(
            f"release-{row.id}@{project.key}.premiere",
            f"Release {row.name} ({_label(row.state)})",
            start,
            end=row.finished_at,
            sequence=row.version,
            modified=row.updated_at,
            url=f"{base}/releases/{quote(row.key, safe='')}",
            description="\n".join(lines),
            category="release",
        )


def _departures(
    session: Session, project: Project, base: str, now: datetime, count: int
) -> Iterator[Event]:
    trains = session.scalars(
        select(ReleaseTrain).where(ReleaseTrain.project_id == project.id).order_by(ReleaseTrain.key)
    )
    for train in trains:
        where = f" to {train.environment}" if train.environment else ""
        for moment in next_departures(train.cadence, now, count):
            yield _event(
                f"train-{train.key}-{moment:%Y%m%dT%H%M%SZ}@{project.key}.premiere",
                f"Release train {train.name} departs{where}",
                moment,
                sequence=train.version,
                modified=train.updated_at,
                url=f"{base}/releases/calendar?view=week&date={moment:%Y-%m-%d}",
                description=f"Cadence: {_cadence(train.cadence)}",
                category="release train",
            )


def _freezes(session: Session, project: Project, base: str, since: datetime) -> Iterator[Event]:
    rows = session.scalars(
        select(FreezeWindow)
        .where(FreezeWindow.project_id == project.id, FreezeWindow.end >= since)
        .order_by(FreezeWindow.id)
    )
    for row in rows:
        reason = row.reason or "no reason given"
        yield _event(
            f"freeze-{row.id}@{project.key}.premiere",
            f"Freeze of {row.environment}",
            row.start,
            end=row.end,
            sequence=0,  # a freeze window is never edited: created, then deleted
            modified=row.created_at,
            url=f"{base}/releases/calendar?view=week&date={row.start:%Y-%m-%d}",
            description=f"No release starts or advances in {row.environment}: {reason}",
            category="freeze",
        )


def _checklist_items(
    session: Session, project: Project, base: str, since: datetime
) -> Iterator[Event]:
    changes = _checklist_changes(session, project)
    rows = session.execute(
        select(Release, ChecklistItem)
        .join(ChecklistItem, ChecklistItem.release_id == Release.id)
        .where(Release.project_id == project.id)
        .order_by(ChecklistItem.id)
    )
    for release, item in rows:
        due = due_of(item, release)
        if due is None or due < since:
            continue
        count, last = changes.get(release.key, (0, None))
        status = "done" if item.done_at is not None else "to do"
        required = "required before the start" if item.required else "not required"
        yield _event(
            f"checklist-{release.id}-{item.key}@{project.key}.premiere",
            f"Due: {item.title} ({release.name}, {status})",
            due,
            sequence=release.version + count,
            modified=max(release.updated_at, last or release.updated_at),
            url=f"{base}/releases/{quote(release.key, safe='')}",
            description=f"Owner: {item.owner}\nGo-to-market item, {required}; {status}",
            category="checklist",
        )


def _checklist_changes(session: Session, project: Project) -> dict[str, tuple[int, datetime]]:
    """Per release key: how many times its checklist changed, and when last (from the
    audit log, which only grows)."""
    rows = session.execute(
        select(AuditEvent.resource_key, func.count(), func.max(AuditEvent.at))
        .where(
            AuditEvent.project == project.key,
            AuditEvent.resource_type == "release",
            AuditEvent.action.in_(CHECKLIST_ACTIONS),
        )
        .group_by(AuditEvent.resource_key)
    )
    return {str(key): (int(count), at) for key, count, at in rows}


def _label(state: str) -> str:
    return state.replace("_", " ")


def _cadence(cadence: dict[str, Any]) -> str:
    weeks = int(cadence["interval_weeks"])
    every = "every week" if weeks == 1 else f"every {weeks} weeks"
    return f"{every} on {cadence['weekday']} at {cadence['time']} ({cadence['timezone']})"
