"""What release guards read: SDK event counts of a flag's variations, by source.

The treatment and control arms (:func:`read_arms`), the split within a stage
(:func:`read_split`), and which tokens' counts were read (:func:`contributing_tokens`).
Counts come only from the token scopes a guard reads (:func:`event_sources`):
``sdk-server``, and ``sdk-client`` when the guard opts in with ``client_events: true``.
Rows from before tokens were recorded have no source and are read by no guard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from premiere.services.releases.guard_stats import Arm
from premiere.store.models import CustomEventCount, FlagEvaluationCount

SERVER_SOURCE = "sdk-server"
CLIENT_SOURCE = "sdk-client"
MAX_RECORDED_TOKENS = 20
ERROR_EVENT = "error"
COUNTED_REASONS = ("FALLTHROUGH", "RULE_MATCH")


def event_sources(guard: Mapping[str, Any]) -> tuple[str, ...]:
    """The token scopes whose counts a guard reads: ``sdk-server``, and ``sdk-client``
    when the guard opts in with ``client_events: true``."""
    if guard.get("client_events") is True:
        return (SERVER_SOURCE, CLIENT_SOURCE)
    return (SERVER_SOURCE,)


def contributing_tokens(
    session: Session,
    release: Mapping[str, Any],
    guard: Mapping[str, Any],
    flag: str,
    *,
    since: datetime,
    until: datetime,
) -> tuple[str, ...]:
    """Ids of the tokens (of the guard's sources) that sent counts of ``flag`` or of the
    guard's event in ``[since, until)``; at most MAX_RECORDED_TOKENS, sorted."""
    sources = event_sources(guard)
    found: set[str] = set()
    for model, subject in (
        (FlagEvaluationCount, FlagEvaluationCount.flag == flag),
        (
            CustomEventCount,
            or_(
                and_(CustomEventCount.key == event_name(guard), CustomEventCount.flag == flag),
                CustomEventCount.key.startswith(f"{event_name(guard)}.{flag}.", autoescape=True),
            ),
        ),
    ):
        statement = (
            select(model.token)
            .where(*_place(model, release, sources, since, until), subject)
            .distinct()
            .order_by(model.token)
            .limit(MAX_RECORDED_TOKENS)
        )
        found.update(session.scalars(statement))
    return tuple(sorted(found)[:MAX_RECORDED_TOKENS])


def _place(
    model: type[FlagEvaluationCount] | type[CustomEventCount],
    release: Mapping[str, Any],
    sources: tuple[str, ...],
    since: datetime,
    until: datetime,
) -> list[Any]:
    """The rows of the release's environment, minutes and sources."""
    return [
        model.project == release["project"],
        model.environment == release["environment"],
        model.bucket >= since,
        model.bucket < until,
        model.source.in_(sources),
    ]


def event_name(guard: Mapping[str, Any]) -> str:
    """The custom event a guard counts: ``error`` for ``metric: errors``."""
    return ERROR_EVENT if guard.get("metric", "errors") == "errors" else str(guard.get("event"))


def event_key(guard: Mapping[str, Any], flag: str, variation: int) -> str:
    """The key convention ``<event>.<flag>.<variation>`` for SDKs that cannot attribute
    events to a variation otherwise."""
    return f"{event_name(guard)}.{flag}.{variation}"


def read_arms(
    session: Session,
    release: Mapping[str, Any],
    guard: Mapping[str, Any],
    flag: str,
    variation: int,
    *,
    since: datetime,
    until: datetime,
) -> tuple[Arm, Arm, str | None]:
    """Treatment and control arms since the release started; a reason when the data
    cannot answer (a mean metric whose events came without sums of squares)."""
    sources = event_sources(guard)
    counts = evaluation_counts(session, release, flag, since=since, until=until, sources=sources)
    events = custom_event_sums(session, release, guard, flag, list(counts), since, until)
    treatment_n = counts.get(variation, 0)
    control_n = sum(n for v, n in counts.items() if v != variation)
    if guard.get("aggregate", "rate") != "mean":
        t_events = sum(e.count for v, e in events.items() if v == variation)
        c_events = sum(e.count for v, e in events.items() if v != variation)
        return Arm(treatment_n, t_events), Arm(control_n, c_events), None
    # A mean of the events' values: the units are the valued events.
    t_sums = _add(e for v, e in events.items() if v == variation)
    c_sums = _add(e for v, e in events.items() if v != variation)
    missing = None
    if any(x.value_count and not x.value_sum_squares for x in (t_sums, c_sums)):
        missing = "the events' values came without sums of squares (value_sum_squares)"
    return t_sums.arm(), c_sums.arm(), missing


@dataclass(frozen=True)
class EventSums:
    count: int = 0
    value_count: int = 0
    value_sum: float = 0.0
    value_sum_squares: float = 0.0

    def arm(self) -> Arm:
        return Arm(self.value_count, self.value_sum, sum_squares=self.value_sum_squares)


def _add(sums: Iterable[EventSums]) -> EventSums:
    total = EventSums()
    for x in sums:
        total = EventSums(
            total.count + x.count,
            total.value_count + x.value_count,
            total.value_sum + x.value_sum,
            total.value_sum_squares + x.value_sum_squares,
        )
    return total


def read_split(
    session: Session,
    release: Mapping[str, Any],
    flag: str,
    variation: int,
    *,
    since: datetime,
    until: datetime,
    sources: tuple[str, ...] = (SERVER_SOURCE,),
) -> tuple[int, int]:
    """``(treatment, control)`` evaluations within the current stage."""
    counts = evaluation_counts(session, release, flag, since=since, until=until, sources=sources)
    treatment = counts.get(variation, 0)
    return treatment, sum(counts.values()) - treatment


def evaluation_counts(
    session: Session,
    release: Mapping[str, Any],
    flag: str,
    *,
    since: datetime,
    until: datetime,
    sources: tuple[str, ...] = (SERVER_SOURCE,),
) -> dict[int, int]:
    """Evaluations per served variation (split reasons only) in ``[since, until)``,
    counted by tokens of ``sources``."""
    model = FlagEvaluationCount
    rows = session.execute(
        select(model.variation, _total(model.count))
        .where(
            *_place(model, release, sources, since, until),
            model.flag == flag,
            model.reason.in_(COUNTED_REASONS),
            model.variation >= 0,
        )
        .group_by(model.variation)
    )
    return {int(v): int(n or 0) for v, n in rows}


def custom_event_sums(
    session: Session,
    release: Mapping[str, Any],
    guard: Mapping[str, Any],
    flag: str,
    variations: list[int],
    since: datetime,
    until: datetime,
) -> dict[int, EventSums]:
    """``{variation: sums}`` of the guard's events attributed to ``flag``'s variations:
    rows the SDK attributed (``flag``/``variation`` columns) and rows whose key follows
    the ``<event>.<flag>.<variation>`` convention; from the guard's sources only."""
    if not variations:
        return {}
    keys = {event_key(guard, flag, v): v for v in variations}
    model = CustomEventCount
    rows = session.execute(
        select(
            model.key,
            model.flag,
            model.variation,
            _total(model.count),
            _total(model.value_count),
            _total(model.value_sum),
            _total(model.value_sum_squares),
        )
        .where(
            *_place(model, release, event_sources(guard), since, until),
            or_(
                and_(
                    model.key == event_name(guard),
                    model.flag == flag,
                    model.variation.in_(variations),
                ),
                model.key.in_(list(keys)),
            ),
        )
        .group_by(model.key, model.flag, model.variation)
    )
    sums: dict[int, EventSums] = {}
    for key, row_flag, row_variation, c, vc, vs, vss in rows:
        variation = int(row_variation) if row_flag == flag else keys.get(key)
        if variation is None:
            continue
        found = EventSums(int(c or 0), int(vc or 0), float(vs or 0.0), float(vss or 0.0))
        sums[variation] = _add([sums.get(variation, EventSums()), found])
    return sums


def _total(column: Any) -> Any:
    """SUM as a float: sums of many saturated rows neither overflow a 64-bit integer
    (SQLite raises) nor lose anything a guard can tell apart."""
    return func.sum(cast(column, Float))
