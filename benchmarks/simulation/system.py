"""Whole-system release simulation: SDK traffic through the real services.

A simulated clock drives everything: each minute a population of users evaluates the
flag against the current flag document (the real engine), the counts and error events
go through ``record_sdk_events`` as an SDK would send them, and the
:class:`~premiere.scheduler.loop.Scheduler` ticks (stages, holds, guards). Used by the
slow tests and ``benchmarks/release_simulation.py``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from premiere import engine
from premiere.scheduler.leadership import AlwaysLeader
from premiere.scheduler.loop import Scheduler
from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments import ledger
from premiere.services.environments import create_environment
from premiere.services.flags.definitions import create_flag
from premiere.services.people.tokens import TokenInfo
from premiere.services.projects import create_project
from premiere.services.releases import records as releases
from premiere.services.releases.guard_reads import ERROR_EVENT
from premiere.services.releases.rows import ReleaseView
from premiere.services.sdk.documents import build_flag_document, document_version
from premiere.services.sdk.events import record_sdk_events
from premiere.store import Store

from .traffic import binomial

PROJECT, ENVIRONMENT, FLAG, RELEASE = "sim", "production", "checkout", "new-checkout"
OPERATOR = Actor(kind="user", id="sim", name="simulation")
SDK = TokenInfo(
    id="0" * 16, name="sim-sdk", scope="sdk-server", project=PROJECT, environment=ENVIRONMENT
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_PLAN = [
    {"percent": 1, "hold_seconds": 3600},
    {"percent": 5, "hold_seconds": 3600},
    {"percent": 25, "hold_seconds": 3600},
    {"percent": 50, "hold_seconds": 3600},
    {"percent": 100, "hold_seconds": 0},
]
DEFAULT_GUARD = {"metric": "errors", "aggregate": "rate", "max_regression": 0.0, "alpha": 0.05,
                 "min_sample": 1000, "action": "rollback"}  # fmt: skip


class SimulatedClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class SystemRun:
    state: str  # the release's state at the end
    stage: int | None
    minutes: int
    decisions: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def set_up(store: Store, *, plan: list[dict[str, Any]] | None = None,
           guard: dict[str, Any] | None = None) -> ReleaseView:  # fmt: skip
    """Project, environment, flag (off: every user gets ``false``), a deployment
    carrying it, and the release of ``true`` with one guard; returns the release."""
    create_project(store, OPERATOR, {"key": PROJECT})
    create_environment(store, OPERATOR, PROJECT, {"key": ENVIRONMENT})
    create_service(store, OPERATOR, PROJECT, {"key": "api"})
    create_flag(store, OPERATOR, PROJECT, {"key": FLAG})
    deployment, _ = ledger.record_deployment(store, OPERATOR, PROJECT, {
        "service": "api", "environment": ENVIRONMENT, "version": "2.0.0",
        "commit_sha": "0" * 40, "features": [FLAG]})  # fmt: skip
    ledger.finish_deployment(store, OPERATOR, PROJECT, deployment["id"], {"outcome": "succeeded"})
    return releases.create_release(store, OPERATOR, PROJECT, {
        "key": RELEASE, "environment": ENVIRONMENT,
        "features": [{"flag": FLAG, "variation": 0}],
        "plan": {"stages": plan or DEFAULT_PLAN}, "guards": [guard or DEFAULT_GUARD]})  # fmt: skip


def run_release(
    store: Store,
    rng: random.Random,
    *,
    users: int = 2000,
    control_rate: float = 0.01,
    treatment_rate: float = 0.01,
    max_minutes: int = 24 * 60,
    clock: SimulatedClock | None = None,
) -> SystemRun:
    """Start the release and play traffic minute by minute until it stops rolling out."""
    clock = clock or SimulatedClock()
    release = releases.get_release(store, PROJECT, RELEASE)
    releases.start_release(store, OPERATOR, PROJECT, RELEASE, {}, release["version"], now=clock())
    scheduler = Scheduler(store, clock=clock, leadership=AlwaysLeader())
    traffic = _Traffic(store, users)
    run = SystemRun("rolling_out", 0, 0)
    for minute in range(1, max_minutes + 1):
        traffic.send(rng, clock(), control_rate, treatment_rate)
        clock.advance()
        report = scheduler.run_once()
        assert report is not None
        run.items += report.items
        run.decisions += report.decisions
        release = releases.get_release(store, PROJECT, RELEASE)
        run.state, run.stage, run.minutes = release["state"], release["stage"], minute
        if release["state"] != "rolling_out":
            break
    return run


class _Traffic:
    """Each minute ``users`` users not seen before evaluate the flag once (the split's
    unit is the evaluation, see docs/guards.md); errors are Bernoulli per evaluation."""

    def __init__(self, store: Store, users: int) -> None:
        self.store = store
        self.users = [f"user-{i}" for i in range(users)]
        self.version = -1
        self.compiled: Any = None
        self.served: Counter[tuple[int, str]] = Counter()

    def send(self, rng: random.Random, now: datetime, control: float, treatment: float) -> None:
        version = document_version(self.store, PROJECT, ENVIRONMENT)
        if version != self.version:
            document = build_flag_document(self.store, PROJECT, ENVIRONMENT)
            self.compiled = engine.compile_document(document)
            self.version = version
        self.served = Counter()
        stamp = now.strftime("%Y%m%d%H%M")
        for user in self.users:  # this minute's users (each user once: the split's unit)
            result = engine.evaluate(self.compiled, FLAG, {"key": f"{user}-{stamp}"}, None)
            variation = -1 if result.variation is None else result.variation
            self.served[(variation, result.reason)] += 1
        flags, custom = [], []
        errors: Counter[int] = Counter()
        for (variation, reason), count in sorted(self.served.items()):
            entry: dict[str, Any] = {"key": FLAG, "reason": reason, "count": count}
            entry["variation"] = None if variation < 0 else variation
            flags.append(entry)
            if variation >= 0:
                errors[variation] += binomial(rng, count, treatment if variation == 0 else control)
        for variation, count in sorted(errors.items()):
            if count:  # as `client.track("error", context, flag=FLAG)` sends them
                custom.append({"key": ERROR_EVENT, "flag": FLAG, "variation": variation,
                               "count": count})  # fmt: skip
        payload = {"period_start": now.isoformat(), "flags": flags, "custom": custom}
        record_sdk_events(self.store, SDK, payload, now=now)
