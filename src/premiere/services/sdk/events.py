"""SDK events: evaluation and custom event counts, stored per environment, minute and
sending token.

SDKs send batches (docs/sdk.md, "Events"); :func:`record_sdk_events` checks one
(:mod:`premiere.services.sdk.batches`: SDK keys are public, so a batch is a claim to
check) and adds its counts to the minute in which the batch's period started, under the
token that sent it and that token's scope (its *source*). Release guards and insights
read them back with :func:`list_flag_evaluations` and :func:`list_custom_events`;
:func:`prune_sdk_events` deletes what is older than the retention.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import PermissionDeniedError, ValidationError
from premiere.errors import Violation as V
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import format_time
from premiere.services.people.tokens import TokenInfo
from premiere.services.sdk.batches import (
    Batch,
    EventPolicy,
    ServableFlag,
    parse_batch,
    read_time,
    validate_served,
)
from premiere.store import Store
from premiere.store import events as event_store
from premiere.store.models import Flag, Project

MAX_RANGE = timedelta(days=31)
DEFAULT_RANGE = timedelta(hours=24)
SDK_SCOPES = ("sdk-server", "sdk-client")
DEFAULT_POLICY = EventPolicy()
PRUNE_CHUNK = 10_000


class EventsCounted(TypedDict):
    bucket: str
    flag_evaluations: int
    custom_events: int
    dropped: int


class Sender(TypedDict):
    token: str | None
    source: str | None


class FlagEvaluationCountView(Sender):
    flag: str
    variation: int | None
    reason: str
    bucket: str
    count: int


class CustomEventCountView(Sender):
    key: str
    flag: str | None
    variation: int | None
    bucket: str
    count: int
    value_count: int
    value_sum: float
    value_sum_squares: float


def record_sdk_events(
    store: Store,
    token: TokenInfo,
    payload: Any,
    *,
    now: datetime | None = None,
    policy: EventPolicy = DEFAULT_POLICY,
) -> EventsCounted:
    """Add one batch's counts to its environment; returns what was counted.

    The environment is the token's (an ``sdk-server`` or ``sdk-client`` token); the
    rows record the token's id and scope. Unknown fields are ignored, so that newer
    SDKs can send more. A batch sent twice is counted twice: SDKs resend only batches
    that were not acknowledged.
    """
    if token.scope not in SDK_SCOPES or token.project is None or token.environment is None:
        raise PermissionDeniedError("events are sent with an sdk token", {"scope": token.scope})
    now = now or datetime.now(UTC)
    batch = parse_batch(payload, token.scope, policy, now)
    place = {
        "project": token.project,
        "environment": token.environment,
        "bucket": batch.bucket,
        "token": token.id,
        "source": token.scope,
    }
    flag_rows = [
        {**place, "flag": f, "variation": v, "reason": r, "count": n}
        for (f, v, r), n in sorted(batch.flags.items())
    ]
    custom_rows = [
        {
            **place,
            "key": k,
            "flag": f,
            "variation": v,
            "count": c,
            "value_count": vc,
            "value_sum": vs,
            "value_sum_squares": vss,
        }
        for (k, f, v), (c, vc, vs, vss) in sorted(batch.custom.items())
    ]
    with store.write() as session:
        project = get_project_row(session, token.project)
        get_environment_row(session, project, token.environment)
        validate_served(batch, token.scope, _servable_flags(session, project, batch))
        event_store.add_flag_evaluation_counts(session, flag_rows)
        event_store.add_custom_event_counts(session, custom_rows)
    return {
        "bucket": format_time(batch.bucket),
        "flag_evaluations": batch.flag_evaluations,
        "custom_events": batch.custom_events,
        "dropped": batch.dropped,
    }


def _servable_flags(session: Session, project: Project, batch: Batch) -> dict[str, ServableFlag]:
    """The project's flags that the batch says were served."""
    keys = {f for f, v, _ in batch.flags if v >= 0} | {f for _, f, _ in batch.custom if f}
    if not keys:
        return {}
    rows = session.execute(
        select(Flag.key, Flag.variations, Flag.client_visible).where(
            Flag.project_id == project.id, Flag.key.in_(sorted(keys))
        )
    )
    return {
        key: ServableFlag(len(variations or []), bool(visible)) for key, variations, visible in rows
    }


def prune_sdk_events(store: Store, retention: timedelta, *, now: datetime | None = None) -> int:
    """Delete the counts of minutes older than ``retention``; returns how many rows."""
    before = (now or datetime.now(UTC)) - retention
    total = 0
    while True:
        with store.write() as session:
            deleted = event_store.delete_counts_before(session, before, limit=PRUNE_CHUNK)
        total += deleted
        if deleted == 0:
            return total


def list_flag_evaluations(
    store: Store,
    project: str,
    environment: str,
    *,
    flag: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    now: datetime | None = None,
) -> list[FlagEvaluationCountView]:
    """``[{"flag","variation","reason","bucket","count","token","source"}]``, oldest
    minute first, one row per sending token; ``variation`` is null where the caller's
    default was served; ``token`` (its id) and ``source`` (its scope) null for counts
    from before tokens were recorded. ``since`` inclusive, ``until`` exclusive; by
    default the last 24 hours."""
    start, end = _range(since, until, now)
    with store.read() as session:
        get_environment_row(session, get_project_row(session, project), environment)
        rows = event_store.flag_evaluation_counts(
            session, project, environment, since=start, until=end, flag=flag
        )
        return [
            {
                "flag": row.flag,
                "variation": None if row.variation == event_store.NO_VARIATION else row.variation,
                "reason": row.reason,
                "bucket": format_time(row.bucket),
                "count": row.count,
                **_sender(row.token, row.source),
            }
            for row in rows
        ]


def list_custom_events(
    store: Store,
    project: str,
    environment: str,
    *,
    key: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    now: datetime | None = None,
) -> list[CustomEventCountView]:
    """``[{"key","flag","variation","bucket","count","value_count","value_sum",
    "value_sum_squares","token","source"}]``, oldest minute first, one row per sending
    token; ``flag`` and ``variation`` are null for events attributed to no flag
    variation; ``token`` and ``source`` as in :func:`list_flag_evaluations`."""
    start, end = _range(since, until, now)
    with store.read() as session:
        get_environment_row(session, get_project_row(session, project), environment)
        rows = event_store.custom_event_counts(
            session, project, environment, since=start, until=end, key=key
        )
        return [
            {
                "key": row.key,
                "flag": row.flag or None,
                "variation": None if row.variation == event_store.NO_VARIATION else row.variation,
                "bucket": format_time(row.bucket),
                "count": row.count,
                "value_count": row.value_count,
                "value_sum": _finite(row.value_sum),
                "value_sum_squares": _finite(row.value_sum_squares),
                **_sender(row.token, row.source),
            }
            for row in rows
        ]


def _sender(token: str, source: str) -> Sender:
    return {"token": token or None, "source": source or None}


def _finite(value: float) -> float:
    """A stored sum as JSON can carry it (rows written before sums were bounded may
    hold an infinity)."""
    if math.isfinite(value):
        return value
    bound = event_store.MAX_STORED_SUM
    return -bound if value < 0 else bound


def _range(
    since: datetime | str | None, until: datetime | str | None, now: datetime | None
) -> tuple[datetime, datetime]:
    problems: list[V] = []
    end = read_time(until, "until", problems, required=False) or (now or datetime.now(UTC))
    start = read_time(since, "since", problems, required=False) or end - DEFAULT_RANGE
    if not problems and (end < start or end - start > MAX_RANGE):
        problems.append(V("since", "range", "since must be before until, at most 31 days apart"))
    if problems:
        raise ValidationError(problems)
    return start, end
