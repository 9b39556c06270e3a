"""Release guards: read the SDK event counts of a rolling-out release and decide.

:class:`GuardChecker` is the ``guard_check`` callable that
``premiere.services.releases.tick_releases`` calls for a rolling-out release and its
current stage; it answers ``"healthy"``, ``"regressed"`` or ``"insufficient"`` and
keeps the statistics of each look, which the scheduler records afterwards with
``record_guard_decision`` (:meth:`GuardChecker.decisions`).

Treatment = evaluations that served the release's variation of a feature flag;
control = evaluations of the same flag that served another variation (users not yet
in), both counted from the SDKs' per-minute evaluation counts (reasons FALLTHROUGH and
RULE_MATCH: targets, prerequisites, errors and an off flag are not part of the split).
Events are custom events attributed to a flag's variation: by the SDK (``track(...,
flag=...)`` sends the variation last served to the context), or by the key convention
``<event>.<flag>.<variation>`` (see docs/guards.md). The statistics are in
:mod:`premiere.services.guard_stats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from premiere.services.guard_stats import Arm, GuardParameters, GuardResult, evaluate_guard
from premiere.store import Store
from premiere.store.models import CustomEventCount, FlagEvaluationCount

ERROR_EVENT = "error"
COUNTED_REASONS = ("FALLTHROUGH", "RULE_MATCH")
STATUS_BY_VERDICT = {
    "healthy": "healthy",
    "regression": "regressed",
    "insufficient_data": "insufficient",
    "sample_ratio_mismatch": "insufficient",
}
_WORST = ("regressed", "insufficient", "healthy")


@dataclass(frozen=True)
class GuardLook:
    """One guard's verdict at one look, ready for ``record_guard_decision``."""

    project: str
    release: str
    stage: int
    guard: int
    flag: str
    status: str
    hold_ended: bool
    hold_until: str | None
    result: GuardResult

    def decision(self) -> dict[str, Any]:
        details = {
            "flag": self.flag,
            "verdict": self.result.verdict,
            "hold_until": self.hold_until,
            **self.result.to_dict(),
        }
        details["sample_ratio_mismatch"] = self.result.verdict == "sample_ratio_mismatch"
        if self.status == "insufficient" and self.hold_ended:
            details["reasons"] = [*self.result.reasons, "hold extended: not enough data yet"]
        return {"status": self.status, "stage": self.stage, "guard": self.guard, "details": details}

    @property
    def worth_recording(self) -> bool:
        """Regressions and sample-ratio mismatches at once; other verdicts when a hold ends."""
        return (
            self.status == "regressed"
            or self.hold_ended
            or (self.result.verdict == "sample_ratio_mismatch")
        )


class GuardChecker:
    """``guard_check`` for ``tick_releases``; create one per tick (it collects looks)."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self.looks: list[GuardLook] = []

    def __call__(self, release: Mapping[str, Any], stage: Mapping[str, Any]) -> str:
        guards = release.get("guards") or []
        if not guards:
            return "healthy"
        now = self.now()
        statuses = []
        for index, guard in enumerate(guards):
            for feature in release.get("features") or []:
                look = self._look(release, stage, index, guard, feature, now)
                self.looks.append(look)
                statuses.append(look.status)
        return min(statuses, key=_WORST.index, default="healthy")

    def decisions(self) -> list[tuple[str, str, dict[str, Any]]]:
        """``(project, release key, decision)`` worth recording, in look order."""
        return [(x.project, x.release, x.decision()) for x in self.looks if x.worth_recording]

    def _look(
        self,
        release: Mapping[str, Any],
        stage: Mapping[str, Any],
        index: int,
        guard: Mapping[str, Any],
        feature: Mapping[str, Any],
        now: datetime,
    ) -> GuardLook:
        started = _time(release.get("started_at")) or now
        stage_started = _time(release.get("stage_started_at")) or started
        hold_until = _time(release.get("hold_until"))
        flag, variation = str(feature["flag"]), int(feature["variation"])
        with self.store.read() as session:
            window = read_arms(
                session, release, guard, flag, variation, since=_floor(started), until=now
            )
            split = read_split(
                session, release, flag, variation, since=_ceil(stage_started), until=now
            )
        treatment, control, missing = window
        share = _planned_share(release, stage)
        parameters = parameters_for(guard)
        result = evaluate_guard(
            treatment,
            control,
            parameters,
            planned_share=share,
            split=split if share is not None else None,
        )
        if missing and result.verdict != "sample_ratio_mismatch":
            result = GuardResult("insufficient_data", treatment, control, reasons=[missing])
        elif result.verdict == "healthy" and split[0] < parameters.minimum_sample:
            reason = f"{split[0]} treatment units in this stage; {parameters.minimum_sample} needed"
            result = GuardResult(
                "insufficient_data",
                treatment,
                control,
                result.regression,
                result.sample_ratio,
                [reason],
            )
        return GuardLook(
            project=str(release["project"]),
            release=str(release["key"]),
            stage=int(stage.get("index", release.get("stage") or 0)),
            guard=index,
            flag=flag,
            status=STATUS_BY_VERDICT[result.verdict],
            hold_ended=hold_until is not None and hold_until <= now,
            hold_until=None if hold_until is None else hold_until.isoformat(),
            result=result,
        )


def parameters_for(guard: Mapping[str, Any]) -> GuardParameters:
    """Statistics parameters from a release's guard (defaults in guard_stats)."""
    return GuardParameters(
        alpha=float(guard.get("alpha") or 0.05),
        tolerance=float(guard.get("max_regression") or 0.0),
        relative=guard.get("tolerance", "relative") != "absolute",
        minimum_sample=int(guard.get("min_sample") or 1000),
        higher_is_worse=guard.get("worse", "higher") != "lower",
    )


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
    counts = evaluation_counts(session, release, flag, since=since, until=until)
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
) -> tuple[int, int]:
    """``(treatment, control)`` evaluations within the current stage."""
    counts = evaluation_counts(session, release, flag, since=since, until=until)
    treatment = counts.get(variation, 0)
    return treatment, sum(counts.values()) - treatment


def evaluation_counts(
    session: Session, release: Mapping[str, Any], flag: str, *, since: datetime, until: datetime
) -> dict[int, int]:
    """Evaluations per served variation (split reasons only) in ``[since, until)``."""
    model = FlagEvaluationCount
    rows = session.execute(
        select(model.variation, func.sum(model.count))
        .where(
            model.project == release["project"],
            model.environment == release["environment"],
            model.flag == flag,
            model.bucket >= since,
            model.bucket < until,
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
    the ``<event>.<flag>.<variation>`` convention."""
    if not variations:
        return {}
    keys = {event_key(guard, flag, v): v for v in variations}
    model = CustomEventCount
    rows = session.execute(
        select(
            model.key,
            model.flag,
            model.variation,
            func.sum(model.count),
            func.sum(model.value_count),
            func.sum(model.value_sum),
            func.sum(model.value_sum_squares),
        )
        .where(
            model.project == release["project"],
            model.environment == release["environment"],
            model.bucket >= since,
            model.bucket < until,
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


def _planned_share(release: Mapping[str, Any], stage: Mapping[str, Any]) -> float | None:
    """The treatment's planned share for the sample-ratio test, or None where there is
    no planned ratio among the counted evaluations (segment stages or audiences)."""
    percent = stage.get("percent")
    audience = release.get("audience") or {}
    if percent is None or audience.get("segment") or stage.get("segment"):
        return None
    return float(percent) / 100.0


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return None


def _floor(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _ceil(moment: datetime) -> datetime:
    floor = _floor(moment)
    return floor if floor == moment else floor + timedelta(minutes=1)
