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
Events are custom events attributed to a flag's variation: key
``<event>.<flag>.<variation>`` (see docs/guards.md). The statistics are in
:mod:`premiere.services.guard_stats`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
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


def event_key(guard: Mapping[str, Any], flag: str, variation: int) -> str:
    """The custom event key counting ``guard``'s events for one flag variation."""
    event = ERROR_EVENT if guard.get("metric", "errors") == "errors" else str(guard.get("event"))
    return f"{event}.{flag}.{variation}"


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
    cannot answer (a mean metric without sums of squares)."""
    counts = evaluation_counts(session, release, flag, since=since, until=until)
    events = custom_event_sums(session, release, guard, flag, list(counts), since, until)
    treatment_n = counts.get(variation, 0)
    control_n = sum(n for v, n in counts.items() if v != variation)
    mean = guard.get("aggregate", "rate") == "mean"

    def arm(n: int, rows: list[tuple[int, int, float]]) -> Arm:
        count = sum(r[0] for r in rows)
        if not mean:
            return Arm(n, count)
        # Mean of the values per event: units are the valued events.
        value_count = sum(r[1] for r in rows)
        return Arm(value_count, sum(r[2] for r in rows))

    t_rows = [e for v, e in events.items() if v == variation]
    c_rows = [e for v, e in events.items() if v != variation]
    missing = None
    if mean:
        missing = "mean metrics need value_sum_squares from the SDKs, which they do not send yet"
    return arm(treatment_n, t_rows), arm(control_n, c_rows), missing


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
) -> dict[int, tuple[int, int, float]]:
    """``{variation: (count, value_count, value_sum)}`` of the guard's attributed events."""
    keys = {event_key(guard, flag, v): v for v in variations}
    if not keys:
        return {}
    model = CustomEventCount
    rows = session.execute(
        select(
            model.key, func.sum(model.count), func.sum(model.value_count), func.sum(model.value_sum)
        )
        .where(
            model.project == release["project"],
            model.environment == release["environment"],
            model.key.in_(list(keys)),
            model.bucket >= since,
            model.bucket < until,
        )
        .group_by(model.key)
    )
    return {keys[k]: (int(c or 0), int(vc or 0), float(vs or 0.0)) for k, c, vc, vs in rows}


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
