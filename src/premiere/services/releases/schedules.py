"""Release trains (a recurring cadence of departures) and freeze windows (per
environment, in which no release starts or advances)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import ActorView, format_time, stored_actor
from premiere.services.releases.rows import actor_view
from premiere.services.releases.spec import _object, parse_instant, zone_of
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.concurrency import require_current_version, require_version, update_versioned
from premiere.store.models import Project
from premiere.store.releases import FreezeWindow, ReleaseTrain
from premiere.store.types import utc_now

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_DEPARTURES = 100


class TrainView(TypedDict):
    key: str
    project: str
    name: str
    environment: str | None
    cadence: dict[str, Any]
    next_departures: list[str]
    version: int
    created_at: str
    updated_at: str


class DeparturesView(TypedDict):
    train: str
    departures: list[str]


class FreezeWindowView(TypedDict):
    id: int
    project: str
    environment: str
    start: str
    end: str
    reason: str
    created_by: ActorView
    created_at: str


def create_release_train(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> TrainView:
    """A cadence without an ``anchor`` is anchored on its next departure after ``now``."""
    validator = Validator(data)
    validator.allowed(("key", "name", "environment", "cadence"))
    validator.key()
    validator.text("name")
    validator.text("environment", null=True)
    cadence = (
        _cadence(validator, data.get("cadence"), now or utc_now())
        if validator.required("cadence")
        else {}
    )
    validator.raise_if_any()
    with store.write() as session:
        project_row = get_project_row(session, project)
        if data.get("environment"):
            get_environment_row(session, project_row, str(data["environment"]))
        if _find_train(session, project_row, str(data["key"])) is not None:
            raise AlreadyExistsError("release_train", str(data["key"]))
        row = ReleaseTrain(
            project_id=project_row.id,
            key=data["key"],
            name=data.get("name") or data["key"],
            environment=data.get("environment"),
            cadence=cadence,
        )
        session.add(row)
        session.flush()
        view = map_train_row_to_view(project, row)
        record_audit_event(
            session,
            actor,
            "release_train.created",
            project=project,
            resource_type="release_train",
            resource_key=row.key,
            after=view,
        )
        return view


def update_release_train(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> TrainView:
    expected = require_version(expected_version, "release_train", key)
    validator = Validator(data)
    validator.allowed(("name", "environment", "cadence"))
    validator.text("name")
    validator.text("environment", null=True)
    values: dict[str, Any] = {f: data[f] for f in ("name", "environment") if f in data}
    if "cadence" in data:
        values["cadence"] = _cadence(validator, data["cadence"], now or utc_now())
    validator.raise_if_any()
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = get_train_row(session, project_row, key)
        if values.get("environment"):
            get_environment_row(session, project_row, str(values["environment"]))
        require_current_version("release_train", key, row.version, expected)
        before = map_train_row_to_view(project, row)
        update_versioned(
            session, ReleaseTrain, row.id, expected, values, resource="release_train", key=key
        )
        session.refresh(row)
        after = map_train_row_to_view(project, row)
        record_audit_event(
            session,
            actor,
            "release_train.updated",
            project=project,
            resource_type="release_train",
            resource_key=key,
            before=before,
            after=after,
        )
        return after


def list_release_trains(store: Store, project: str) -> list[TrainView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.scalars(
            select(ReleaseTrain)
            .where(ReleaseTrain.project_id == project_row.id)
            .order_by(ReleaseTrain.key)
        )
        return [map_train_row_to_view(project, row) for row in rows]


def get_release_train(store: Store, project: str, key: str) -> TrainView:
    with store.read() as session:
        return map_train_row_to_view(
            project, get_train_row(session, get_project_row(session, project), key)
        )


def list_departures(
    store: Store, project: str, key: str, *, count: int = 5, after: datetime | None = None
) -> DeparturesView:
    train = get_release_train(store, project, key)
    moments = next_departures(
        train["cadence"], after or utc_now(), max(1, min(count, MAX_DEPARTURES))
    )
    return {"train": key, "departures": [format_time(moment) for moment in moments]}


def next_departures(cadence: Mapping[str, Any], after: datetime, count: int) -> list[datetime]:
    """The next ``count`` departures strictly after ``after`` (UTC). Each is the
    cadence's wall-clock time in its time zone, so a departure at 10:00
    Europe/Berlin is 09:00 UTC in winter and 08:00 UTC in summer."""
    zone = zone_of(cadence["timezone"])
    assert zone is not None
    step = timedelta(weeks=int(cadence["interval_weeks"]))
    anchor = date.fromisoformat(cadence["anchor"])
    first = anchor + timedelta(days=(WEEKDAYS.index(cadence["weekday"]) - anchor.weekday()) % 7)
    at = time.fromisoformat(cadence["time"])
    local_after = after.astimezone(zone).date()
    skipped = max(0, (local_after - first).days // step.days - 1)
    day = first + step * skipped
    found: list[datetime] = []
    while len(found) < count:
        moment = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if moment > after:
            found.append(moment)
        day += step
    return found


def get_train_row(session: Session, project: Project, key: str) -> ReleaseTrain:
    row = _find_train(session, project, key)
    if row is None:
        raise NotFoundError("release_train", key)
    return row


def map_train_row_to_view(project: str, row: ReleaseTrain) -> TrainView:
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "environment": row.environment,
        "cadence": row.cadence,
        "next_departures": [
            format_time(moment) for moment in next_departures(row.cadence, utc_now(), 3)
        ],
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def create_freeze_window(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> FreezeWindowView:
    validator = Validator(data)
    validator.allowed(("environment", "start", "end", "reason"))
    validator.required("environment")
    validator.text("reason", max_length=2000)
    start = _instant(validator, data, "start")
    end = _instant(validator, data, "end")
    if start is not None and end is not None and end <= start:
        validator.add("end", "range", "must be after start")
    validator.raise_if_any()
    assert start is not None and end is not None
    with store.write() as session:
        project_row = get_project_row(session, project)
        get_environment_row(session, project_row, str(data["environment"]))
        row = FreezeWindow(
            project_id=project_row.id,
            environment=data["environment"],
            start=start,
            end=end,
            reason=data.get("reason") or "",
            created_by=actor_view(actor),
        )
        session.add(row)
        session.flush()
        view = map_freeze_row_to_view(project, row)
        record_audit_event(
            session,
            actor,
            "freeze_window.created",
            project=project,
            resource_type="freeze_window",
            resource_key=str(row.id),
            environment=row.environment,
            after=view,
        )
        return view


def list_freeze_windows(
    store: Store, project: str, *, environment: str | None = None
) -> list[FreezeWindowView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = select(FreezeWindow).where(FreezeWindow.project_id == project_row.id)
        if environment is not None:
            statement = statement.where(FreezeWindow.environment == environment)
        rows = session.scalars(statement.order_by(FreezeWindow.start, FreezeWindow.id))
        return [map_freeze_row_to_view(project, row) for row in rows]


def delete_freeze_window(store: Store, actor: Actor, project: str, window_id: int) -> None:
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = session.get(FreezeWindow, window_id)
        if row is None or row.project_id != project_row.id:
            raise NotFoundError("freeze_window", str(window_id))
        view = map_freeze_row_to_view(project, row)
        session.delete(row)
        record_audit_event(
            session,
            actor,
            "freeze_window.deleted",
            project=project,
            resource_type="freeze_window",
            resource_key=str(window_id),
            environment=view["environment"],
            before=view,
        )


def active_freeze(
    session: Session, project_id: int, environment: str, now: datetime
) -> FreezeWindow | None:
    return session.scalar(
        select(FreezeWindow)
        .where(
            FreezeWindow.project_id == project_id,
            FreezeWindow.environment == environment,
            FreezeWindow.start <= now,
            FreezeWindow.end > now,
        )
        .order_by(FreezeWindow.end.desc())
        .limit(1)
    )


def map_freeze_row_to_view(project: str, row: FreezeWindow) -> FreezeWindowView:
    return {
        "id": row.id,
        "project": project,
        "environment": row.environment,
        "start": format_time(row.start),
        "end": format_time(row.end),
        "reason": row.reason,
        "created_by": stored_actor(row.created_by),
        "created_at": format_time(row.created_at),
    }


def _find_train(session: Session, project: Project, key: str) -> ReleaseTrain | None:
    return session.scalar(
        select(ReleaseTrain).where(ReleaseTrain.project_id == project.id, ReleaseTrain.key == key)
    )


def _instant(validator: Validator, data: Mapping[str, Any], field: str) -> datetime | None:
    if not validator.required(field):
        return None
    value = parse_instant(data[field], "UTC")
    if value is None:
        validator.add(field, "datetime", "must be an RFC 3339 date and time")
        return None
    return value


def next_matching_date(cadence: Mapping[str, Any], after: datetime) -> str:
    """The local date of the first departure of ``cadence`` (weekday, time, time zone)
    strictly after ``after``: the anchor of a cadence given without one."""
    zone = zone_of(cadence["timezone"])
    assert zone is not None
    today = after.astimezone(zone).date().isoformat()
    weekly = {**cadence, "interval_weeks": 1, "anchor": today}
    return next_departures(weekly, after, 1)[0].astimezone(zone).date().isoformat()


def _cadence(validator: Validator, value: Any, now: datetime) -> dict[str, Any]:
    allowed = ("interval_weeks", "weekday", "time", "timezone", "anchor")
    if not _object(validator, "cadence", value, allowed):
        return {}
    cadence = {
        "interval_weeks": value.get("interval_weeks", 1),
        "weekday": str(value.get("weekday", "")).lower(),
        "time": value.get("time"),
        "timezone": value.get("timezone", "UTC"),
        "anchor": value.get("anchor"),
    }
    interval = cadence["interval_weeks"]
    if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= 52:
        validator.add("cadence.interval_weeks", "range", "must be 1..52")
    if cadence["weekday"] not in WEEKDAYS:
        validator.add("cadence.weekday", "enum", "must be monday..sunday")
    if zone_of(cadence["timezone"]) is None:
        validator.add("cadence.timezone", "timezone", "must be an IANA time zone name")
    try:
        time.fromisoformat(str(cadence["time"]))
    except ValueError:
        validator.add("cadence.time", "datetime", "must be a time of day, HH:MM")
    if cadence["anchor"] is None:
        if not any(v.field.startswith("cadence.") for v in validator.violations):
            cadence["anchor"] = next_matching_date(cadence, now)
        return cadence
    try:
        date.fromisoformat(str(cadence["anchor"]))
    except ValueError:
        validator.add("cadence.anchor", "datetime", "must be a date, YYYY-MM-DD")
    return cadence
