"""Release guards: read the SDK event counts of a rolling-out release and decide.

:meth:`GuardWatcher.verdict` is the ``guard_watch`` that
``premiere.services.releases.records.tick_releases`` calls for a rolling-out release whose
stage's hold has ended; it answers a verdict, ``"healthy"``, ``"regressed"`` or
``"insufficient"`` (``guard_stats.VERDICTS``, one vocabulary from the statistics to the
tick), with the statistics of each look (:class:`GuardVerdict`), which the tick records in
the transaction of the action the answer triggers. Between hold ends the scheduler
calls the watcher itself, which keeps the looks, and records those worth it with
``record_guard_decision`` (:meth:`GuardWatcher.decisions`), again with their action.

Treatment = evaluations that served the release's variation of a feature flag;
control = evaluations of the same flag that served another variation (users not yet
in), both counted from the SDKs' per-minute evaluation counts (reasons FALLTHROUGH and
RULE_MATCH: targets, prerequisites, errors and an off flag are not part of the split).
Events are custom events attributed to a flag's variation: by the SDK (``track(...,
flag=...)`` sends the variation last served to the context), or by the key convention
``<event>.<flag>.<variation>`` (see docs/guards.md). The statistics are in
:mod:`premiere.services.releases.guard_stats`.

Only counts sent with ``sdk-server`` tokens are read, unless the guard opts in to
client events (``client_events: true``): an ``sdk-client`` key ships in every browser
and app, so anyone can send counts with it. Each decision records the sources it read
and the tokens whose counts it found (:func:`event_sources`, :func:`contributing_tokens`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.services.releases.guard_reads import (
    SERVER_SOURCE,
    contributing_tokens,
    event_sources,
    read_arms,
    read_split,
)
from premiere.services.releases.guard_stats import (
    GuardParameters,
    GuardResult,
    Verdict,
    evaluate_guard,
)
from premiere.store import Store

_WORST: tuple[Verdict, ...] = ("regressed", "insufficient", "healthy")


@dataclass(frozen=True)
class GuardLook:
    """One guard's verdict at one look, ready for ``record_guard_decision``."""

    project: str
    release: str
    stage: int
    guard: int
    flag: str
    verdict: Verdict
    hold_ended: bool
    hold_until: str | None
    result: GuardResult
    sources: tuple[str, ...] = (SERVER_SOURCE,)
    tokens: tuple[str, ...] = ()

    def decision(self) -> dict[str, Any]:
        details = {
            "flag": self.flag,
            "verdict": self.result.served_verdict,
            "hold_until": self.hold_until,
            **self.result.to_dict(),
            "event_sources": list(self.sources),
            "event_tokens": list(self.tokens),
        }
        details["sample_ratio_mismatch"] = self.result.sample_ratio_mismatch
        if self.verdict == "insufficient" and self.hold_ended:
            details["reasons"] = [*self.result.reasons, "hold extended: not enough data yet"]
        # the API names the verdict of a decision its "status"
        return {
            "status": self.verdict,
            "stage": self.stage,
            "guard": self.guard,
            "details": details,
        }

    @property
    def worth_recording(self) -> bool:
        """Regressions and sample-ratio mismatches at once; other verdicts when a hold ends."""
        return self.verdict == "regressed" or self.hold_ended or self.result.sample_ratio_mismatch


@dataclass(frozen=True)
class GuardVerdict:
    """The guards' answer for a release whose stage's hold has ended: the worst verdict,
    and the decisions that ``tick_releases`` records in the transaction of the action
    the verdict triggers (advance, extend the hold, pause or roll back)."""

    verdict: Verdict
    decisions: tuple[dict[str, Any], ...] = ()


class GuardWatcher:
    """Looks at a release's guards; create one per tick (it collects looks).

    :meth:`verdict` is the ``guard_watch`` of ``tick_releases``: it hands the decisions
    over with the verdict, to be recorded with the action. Calling the watcher keeps
    the looks instead, for :meth:`decisions` (the scheduler's watch between hold ends).
    """

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self.looks: list[GuardLook] = []

    def __call__(self, release: Mapping[str, Any], stage: Mapping[str, Any]) -> Verdict:
        looks = self._looks(release, stage)
        self.looks += looks
        return _worst(looks)

    def verdict(self, release: Mapping[str, Any], stage: Mapping[str, Any]) -> GuardVerdict:
        """The worst verdict of the release's guards and the decisions worth recording,
        which are then not among :meth:`decisions`: their recorder is the caller."""
        looks = self._looks(release, stage)
        decisions = tuple(look.decision() for look in looks if look.worth_recording)
        return GuardVerdict(_worst(looks), decisions)

    def decisions(self) -> list[tuple[str, str, dict[str, Any]]]:
        """``(project, release key, decision)`` worth recording, in look order."""
        return [(x.project, x.release, x.decision()) for x in self.looks if x.worth_recording]

    def _looks(self, release: Mapping[str, Any], stage: Mapping[str, Any]) -> list[GuardLook]:
        now = self.now()
        return [
            self._look(release, stage, index, guard, feature, now)
            for index, guard in enumerate(release.get("guards") or [])
            for feature in release.get("features") or []
        ]

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
        since = _floor(started)
        with self.store.read() as session:
            window = read_arms(session, release, guard, flag, variation, since=since, until=now)
            split = read_split(
                session, release, flag, variation, since=_ceil(stage_started), until=now,
                sources=event_sources(guard),
            )  # fmt: skip
            tokens = contributing_tokens(session, release, guard, flag, since=since, until=now)
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
        if missing and not result.sample_ratio_mismatch:
            result = GuardResult("insufficient", treatment, control, reasons=[missing])
        elif result.verdict == "healthy" and split[0] < parameters.minimum_sample:
            reason = f"{split[0]} treatment units in this stage; {parameters.minimum_sample} needed"
            result = GuardResult(
                "insufficient",
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
            verdict=result.verdict,
            hold_ended=hold_until is not None and hold_until <= now,
            hold_until=None if hold_until is None else hold_until.isoformat(),
            result=result,
            sources=event_sources(guard),
            tokens=tokens,
        )


def _worst(looks: list[GuardLook]) -> Verdict:
    return min((look.verdict for look in looks), key=_WORST.index, default="healthy")


def parameters_for(guard: Mapping[str, Any]) -> GuardParameters:
    """Statistics parameters from a release's guard (defaults in guard_stats)."""
    return GuardParameters(
        alpha=float(guard.get("alpha") or 0.05),
        tolerance=float(guard.get("max_regression") or 0.0),
        relative=guard.get("tolerance", "relative") != "absolute",
        minimum_sample=int(guard.get("min_sample") or 1000),
        higher_is_worse=guard.get("worse", "higher") != "lower",
    )


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
