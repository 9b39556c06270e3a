"""The scheduler's step: what is due now, done once.

``tick_releases(store, now)`` applies due scheduled flag changes, makes scheduled
releases ready when nothing is missing (and sends back to draft those scheduled by a
token since revoked), starts ready ones at their start time,
and advances automatic stages whose hold has passed when the guards say healthy
(extending the hold when they lack data; pausing or rolling back on regression). The
guards' decisions are recorded in the transaction of the action they trigger, naming
it (``details.action``): both commit, or neither does and the next tick looks again.
Every step moves a release's state or times forward, so running it again with the
same ``now`` does nothing more, and a tick after a long gap does each due thing
once (one stage per release per tick). Locking (one scheduler at a time) is the
caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import PremiereError, ValidationError, Violation
from premiere.services import SYSTEM, Actor
from premiere.services.flags.scheduled_changes import apply_due_changes
from premiere.services.lookups import get_project_row, lock_project
from premiere.services.mappers import format_time
from premiere.services.people.revocations import release_scheduler, revocation_reason
from premiere.services.releases.guard_stats import VERDICTS, Verdict
from premiere.services.releases.guards import GuardVerdict
from premiere.services.releases.readiness import missing_items
from premiere.services.releases.rollout import (
    PAUSE,
    begin_rollout,
    next_stage_within,
    rollback_within,
    transition_within,
)
from premiere.services.releases.rows import (
    ReleaseView,
    load_release,
    map_release_row_to_view,
    transition,
)
from premiere.services.releases.schedules import active_freeze, get_train_row, next_departures
from premiere.services.releases.spec import parse_instant
from premiere.store import Store
from premiere.store.models import Project
from premiere.store.releases import Release, ReleaseGuardDecision
from premiere.store.types import utc_now

GuardWatch = Callable[[Mapping[str, Any], dict[str, Any]], Verdict | GuardVerdict]
"""A release's guards at the end of its stage's hold: a verdict, or a verdict with the
decisions to record (:class:`GuardVerdict`, e.g. ``GuardWatcher.verdict``)."""
MIN_EXTENSION_SECONDS = 60
GUARD_ACTOR = Actor(kind="system", id="guard", name="premiere guard")


class GuardDecisionView(TypedDict):
    at: str
    stage: int | None
    status: str
    details: dict[str, Any]


def tick_releases(
    store: Store, now: datetime, *, guard_watch: GuardWatch | None = None
) -> list[dict[str, Any]]:
    """Do what is due at ``now``; returns what was done, one item per step."""
    done = apply_due_changes(store, now)
    with store.read() as session:
        due = session.execute(
            select(Project.key, Release.key)
            .join(Project, Project.id == Release.project_id)
            .where(Release.state.in_(("scheduled", "ready", "rolling_out")))
            .order_by(Release.id)
        ).all()
    for project, key in due:
        try:
            item = _tick_one(store, project, key, now, guard_watch or default_guard_watch)
        except PremiereError as exc:
            item = _item(project, key, "error", detail=f"{exc.code}: {exc}")
        if item is not None:
            done.append(item)
    return done


def default_guard_watch(release: Mapping[str, Any], stage: dict[str, Any]) -> Verdict:
    """Without a guard evaluator: healthy when the release has no guards."""
    return "insufficient" if release.get("guards") else "healthy"


def record_guard_decision(
    store: Store, project: str, release_key: str, decision: Mapping[str, Any]
) -> ReleaseView:
    """Store a guard's verdict; a regression of a running release applies the
    guard's action (pause, or roll back) at once. Returns the release's view."""
    status = decision.get("status")
    if status not in VERDICTS:
        raise ValidationError([Violation("status", "enum", "healthy|regressed|insufficient")])
    now = utc_now()
    regressed = status == "regressed"
    with store.write() as session:
        if regressed:  # its action may write the flags: the project's lock first
            lock_project(session, project)
        _, row = load_release(session, project, release_key)
        session.refresh(row, with_for_update={"key_share": True})
        decision = {**decision, "stage": decision.get("stage", row.stage),
                    "guard": decision.get("guard")}  # fmt: skip
        if regressed and row.state in ("rolling_out", "paused"):
            guards, named = row.spec["guards"], [decision["guard"]]
            view, action = _regressed(session, project, release_key, guards, named, now)
            _record(session, row, [decision], action, now)
            return view
        _record(session, row, [decision], None, now)
        session.flush()
        return map_release_row_to_view(session, project, row)


def list_guard_decisions(store: Store, project: str, key: str) -> list[GuardDecisionView]:
    with store.read() as session:
        _, row = load_release(session, project, key)
        rows = session.scalars(
            select(ReleaseGuardDecision)
            .where(ReleaseGuardDecision.release_id == row.id)
            .order_by(ReleaseGuardDecision.id)
        )
        return [
            {"at": format_time(d.at), "stage": d.stage, "status": d.status, "details": d.details}
            for d in rows
        ]


def _record(
    session: Session,
    row: Release,
    decisions: Iterable[Mapping[str, Any]],
    action: str | None,
    now: datetime,
) -> None:
    """The guards' decisions, each naming the ``action`` they triggered (None: none),
    in the caller's transaction."""
    for decision in decisions:
        details = {"guard": decision.get("guard"), **dict(decision.get("details") or {})}
        session.add(
            ReleaseGuardDecision(
                release_id=row.id,
                at=now,
                stage=decision.get("stage", row.stage),
                status=decision["status"],
                details={**details, "action": action},
            )
        )


def _tick_one(
    store: Store, project: str, key: str, now: datetime, guard_watch: GuardWatch
) -> dict[str, Any] | None:
    with store.read() as session:
        project_row, row = load_release(session, project, key)
        state = row.state
        missing = missing_items(session, project_row, row, now, freeze=False)
        frozen = active_freeze(session, project_row.id, row.environment, now) is not None
        view = map_release_row_to_view(session, project, row)
        revoked = None
        if state in ("scheduled", "ready"):
            revoked = revocation_reason(session, release_scheduler(session, project, key))
        stage_due = (
            state == "rolling_out"
            and row.hold_until is not None
            and row.stage_started_at is not None
            and now >= row.hold_until
            and now > row.stage_started_at
        )
    if revoked is not None:  # scheduled by a token since revoked: back to draft
        _move(store, project, key, view, "draft", "cancelled", now, reason=revoked)
        return _item(project, key, "cancelled", detail=revoked)
    if state in ("scheduled", "ready"):
        return _waiting(store, project, key, view, now, missing=bool(missing), frozen=frozen)
    if not stage_due:
        return None
    return _stage_due(store, project, key, view, now, frozen, guard_watch)


def _waiting(
    store: Store,
    project: str,
    key: str,
    view: ReleaseView,
    now: datetime,
    *,
    missing: bool,
    frozen: bool,
) -> dict[str, Any] | None:
    """scheduled -> ready when nothing is missing (and back when something goes
    missing again); ready -> rolling_out at the start time. A release on a train
    that is not ready at a departure waits for the next one."""
    state, start_at = view["state"], parse_instant(view["schedule"]["start_at"], "UTC")
    start_due = start_at is None or start_at <= now
    if missing and view["schedule"]["train"] and start_at is not None and start_due:
        with store.read() as session:
            project_row = get_project_row(session, project)
            train = get_train_row(session, project_row, view["schedule"]["train"])
            departure = next_departures(train.cadence, now, 1)[0]
        _move(store, project, key, view, state, "missed_train", now, {"start_at": departure})
        return _item(project, key, "missed_train", detail=format_time(departure))
    if state == "scheduled" and not missing:
        _move(store, project, key, view, "ready", "ready", now)
        return _item(project, key, "ready")
    if state == "ready" and missing:
        _move(store, project, key, view, "scheduled", "unready", now)
        return _item(project, key, "unready")
    if state == "scheduled" or not start_due:
        return None
    if frozen:
        return _item(project, key, "frozen")
    begin_rollout(store, SYSTEM, project, key, view["version"], "start time", False, now)
    return _item(project, key, "started", stage=0)


def _move(
    store: Store,
    project: str,
    key: str,
    view: ReleaseView,
    to: str,
    action: str,
    now: datetime,
    values: dict[str, Any] | None = None,
    *,
    reason: str | None = None,
) -> None:
    reasons = {
        "ready": "nothing missing",
        "unready": "something went missing",
        "missed_train": "not ready at the train's departure; waits for the next",
    }
    with store.write() as session:
        _, row = load_release(session, project, key)
        transition(session, SYSTEM, project, row, view["version"], to, action=action,
                   reason=reason or reasons[action], now=now, values=values)  # fmt: skip


def _stage_due(
    store: Store,
    project: str,
    key: str,
    view: ReleaseView,
    now: datetime,
    frozen: bool,
    guard_watch: GuardWatch,
) -> dict[str, Any] | None:
    index = view["stage"]
    if index is None:  # at no stage: nothing is due
        return None
    stage = {**view["plan"]["stages"][index], "index": index}
    if stage["advance"] != "auto":
        return None
    if frozen:
        return _item(project, key, "frozen", stage=index)
    watched = guard_watch(view, stage)
    answer = watched if isinstance(watched, GuardVerdict) else GuardVerdict(watched)
    with store.write() as session:  # the action and the decisions: one transaction
        item, action = _act_on_verdict(session, project, key, view, stage, answer, now)
        _, row = load_release(session, project, key)
        decisions = [{"stage": index, **decision} for decision in answer.decisions]
        _record(session, row, decisions, action, now)
    if decisions:
        item["decisions"] = [
            {**decision, "details": {**decision.get("details", {}), "action": action}}
            for decision in decisions
        ]
    return item


def _act_on_verdict(
    session: Session,
    project: str,
    key: str,
    view: ReleaseView,
    stage: dict[str, Any],
    answer: GuardVerdict,
    now: datetime,
) -> tuple[dict[str, Any], str | None]:
    """Healthy: the next stage (or released); regressed: the guards' action; lacking
    data: the hold extended. Inside the caller's transaction; returns the tick's item
    and the action taken (None: none)."""
    index, verdict = stage["index"], answer.verdict
    if verdict == "healthy":
        after = next_stage_within(session, SYSTEM, project, key, view["version"],
                                  "hold passed, guards healthy", False, now)  # fmt: skip
        action = "released" if after["state"] == "released" else "advanced"
        return _item(project, key, action, stage=after["stage"]), action
    if verdict == "regressed":
        lock_project(session, project)
        named = _regressed_guards(answer)
        after, acted = _regressed(session, project, key, view["guards"], named, now)
        return _item(project, key, after["state"], stage=index), acted
    seconds = max(int(stage["hold_seconds"]), MIN_EXTENSION_SECONDS)
    until = now + timedelta(seconds=seconds)
    _, row = load_release(session, project, key)
    transition(
        session, SYSTEM, project, row, view["version"], "rolling_out",
        action="hold_extended", reason=f"guards: {verdict}", now=now,
        values={"hold_until": until}, detail={"verdict": verdict},
    )  # fmt: skip
    item = _item(project, key, "hold_extended", stage=index, detail=format_time(until))
    return item, "hold_extended"


def _regressed_guards(answer: GuardVerdict) -> list[Any]:
    """The indexes of the guards whose decisions say regressed, each once."""
    return sorted(
        {d["guard"] for d in answer.decisions
         if d["status"] == "regressed" and isinstance(d.get("guard"), int)}
    )  # fmt: skip


def _regressed(
    session: Session,
    project: str,
    key: str,
    guards: list[dict[str, Any]],
    named: list[Any],
    now: datetime,
) -> tuple[ReleaseView, str | None]:
    """The action of the ``named`` guards (by index; all guards when none is valid) on
    a regression: roll back if one of them says so, else pause. Inside the caller's
    transaction; returns the release's view and the action taken (None: already
    paused)."""
    chosen = [guards[g] for g in named if isinstance(g, int) and 0 <= g < len(guards)]
    action = "rollback" if any(g["action"] == "rollback" for g in chosen or guards) else "pause"
    detail = {"guard": named[0] if len(named) == 1 else None}
    reason = "a guard saw a regression"
    if action == "rollback":
        view = rollback_within(session, GUARD_ACTOR, project, key, None, reason, now, detail)
        return view, "rolled_back"
    _, row = load_release(session, project, key)
    if row.state != "rolling_out":
        return map_release_row_to_view(session, project, row), None
    view = transition_within(session, GUARD_ACTOR, project, key, None, PAUSE, reason, now, detail)
    return view, "paused"


def _view(store: Store, project: str, key: str) -> ReleaseView:
    with store.read() as session:
        _, row = load_release(session, project, key)
        return map_release_row_to_view(session, project, row)


def _item(
    project: str, key: str, action: str, *, stage: int | None = None, detail: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "release", "project": project, "key": key, "action": action}
    if stage is not None:
        item["stage"] = stage
    if detail is not None:
        item["detail"] = detail
    return item
