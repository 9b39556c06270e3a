"""The scheduler loop: lead, tick (which records the guard decisions at the end of a
hold with the action they trigger), watch the guards between hold ends and record
what they find, prune old SDK event counts, inbound webhook deliveries and finished
outbox deliveries, wait, repeat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from premiere.scheduler.leadership import Leadership, leadership_for
from premiere.services.communication.outbox import prune_outbox_deliveries
from premiere.services.deployments.github import prune_webhook_deliveries
from premiere.services.projects import list_projects
from premiere.services.releases import records as releases
from premiere.services.releases.guard_stats import Verdict
from premiere.services.releases.guards import GuardVerdict, GuardWatcher
from premiere.services.sdk.events import prune_sdk_events
from premiere.store import Store

log = logging.getLogger("premiere.scheduler")

Clock = Callable[[], datetime]
DEFAULT_INTERVAL = 1.0
MAX_REMEMBERED = 10_000
DEFAULT_EVENT_RETENTION = timedelta(days=90)
DEFAULT_DELIVERY_RETENTION = timedelta(days=30)
DEFAULT_OUTBOX_RETENTION = timedelta(days=30)
PRUNE_EVERY = timedelta(hours=1)
"""How often the leading scheduler deletes SDK event counts and webhook deliveries older
than their retention."""


class Tick(Protocol):
    def __call__(
        self,
        store: Store,
        now: datetime,
        *,
        guard_watch: Callable[..., Verdict | GuardVerdict] | None = ...,
    ) -> list[dict[str, Any]]: ...


Recorder = Callable[[Store, str, str, dict[str, Any]], Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TickReport:
    """What one tick did: the releases' items, the guard decisions recorded, and how
    many rows of old SDK event counts (``pruned``), old inbound webhook deliveries
    (``pruned_deliveries``) and old finished outbox deliveries (``pruned_outbox``) were
    deleted (None when it was not time to, or it failed)."""

    at: datetime
    items: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    pruned: int | None = None
    pruned_deliveries: int | None = None
    pruned_outbox: int | None = None


class Scheduler:
    """Ticks the releases while it leads.

    ``tick`` and ``record`` default to ``premiere.services.releases.records.tick_releases`` and
    ``record_guard_decision``; ``clock`` to the wall clock; ``leadership`` to the one
    fitting the database (:func:`leadership_for`). Every ``PRUNE_EVERY`` (by ``clock``)
    the leader deletes SDK event counts older than ``event_retention`` and the webhook
    deliveries remembered longer than ``delivery_retention`` and the finished outbox
    deliveries (delivered, failed, cancelled) older than ``outbox_retention``.
    """

    def __init__(
        self,
        store: Store,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Clock = utc_now,
        tick: Tick | None = None,
        record: Recorder | None = None,
        leadership: Leadership | None = None,
        event_retention: timedelta = DEFAULT_EVENT_RETENTION,
        delivery_retention: timedelta = DEFAULT_DELIVERY_RETENTION,
        outbox_retention: timedelta = DEFAULT_OUTBOX_RETENTION,
    ) -> None:
        if interval <= 0:
            raise ValueError("the tick interval must be positive")
        self.store = store
        self.interval = interval
        self.clock = clock
        self._tick = tick
        self._recorder = record
        self.leadership = leadership or leadership_for(store)
        self.event_retention = event_retention
        self.delivery_retention = delivery_retention
        self.outbox_retention = outbox_retention
        self._pruned_at: datetime | None = None
        self.ticks = 0
        """Ticks made while leading, since this scheduler was made (``/metrics``)."""
        self.last_tick_at: datetime | None = None
        self._recorded: set[Hashable] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # one step ---------------------------------------------------------------------

    def run_once(self) -> TickReport | None:
        """Tick once if leading; None when another scheduler leads."""
        if not self.leadership.acquire():
            return None
        tick, record = self._services()
        now = self.clock()
        watcher = GuardWatcher(self.store, lambda: now)
        report = TickReport(now, tick(self.store, now, guard_watch=watcher.verdict))
        for item in report.items:  # recorded by the tick, with the action they caused
            report.decisions += [
                {"project": item["project"], "release": item["key"], **decision}
                for decision in item.get("decisions", ())
            ]
        self._watch(record, now, report)
        self._prune(now, report)
        self.ticks += 1
        self.last_tick_at = now
        return report

    def _prune(self, now: datetime, report: TickReport) -> None:
        """Delete old SDK event counts and webhook deliveries, at most every PRUNE_EVERY;
        one failing does not keep the other from being pruned."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            report.pruned = prune_sdk_events(self.store, self.event_retention, now=now)
        except Exception:  # pruning again an hour later is soon enough
            log.exception("pruning SDK event counts failed")
        try:
            retention = self.delivery_retention
            report.pruned_deliveries = prune_webhook_deliveries(self.store, retention, now=now)
        except Exception:
            log.exception("pruning webhook deliveries failed")
        try:
            retention = self.outbox_retention
            report.pruned_outbox = prune_outbox_deliveries(self.store, retention, now=now)
        except Exception:
            log.exception("pruning outbox deliveries failed")

    def _watch(self, record: Recorder, now: datetime, report: TickReport) -> None:
        """Look at the guards of every rolling-out release the tick left alone, not only
        when a hold ends: the tests are valid under continuous monitoring, so a
        regression stops the rollout as soon as it is significant."""
        acted = {(i.get("project"), i.get("key")) for i in report.items}
        watcher = GuardWatcher(self.store, lambda: now)
        for project in list_projects(self.store):
            for release in releases.list_releases(self.store, project["key"], state="rolling_out"):
                if not release.get("guards") or (project["key"], release["key"]) in acted:
                    continue
                index = release["stage"]
                if index is None:  # rolling out, yet at no stage: nothing to watch
                    continue
                try:
                    watcher(release, {**release["plan"]["stages"][index], "index": index})
                except Exception:  # one release's trouble must not blind the others
                    log.exception("guards of release %s/%s failed", project["key"], release["key"])
        self._record(record, watcher, report)

    def _record(self, record: Recorder, watcher: GuardWatcher, report: TickReport) -> None:
        for project, key, decision in watcher.decisions():
            details = decision["details"]
            marker: Hashable = (
                *(project, key, decision["stage"], decision["guard"], details["flag"]),
                *(decision["status"], details["verdict"], details["hold_until"]),
            )
            if marker in self._recorded:
                continue
            if len(self._recorded) >= MAX_REMEMBERED:
                self._recorded.clear()  # at worst a decision is recorded twice
            record(self.store, project, key, decision)
            self._recorded.add(marker)
            report.decisions.append({"project": project, "release": key, **decision})

    # the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> None:
        """Tick every ``interval`` seconds until ``stop`` (or :meth:`stop`) is set."""
        stop = stop or self._stop
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:  # a tick's failure must not end the loop
                    log.exception("scheduler tick failed; retrying in %.1f s", self.interval)
                stop.wait(self.interval)
        finally:
            self.leadership.release()

    def start(self) -> threading.Thread:
        """Run in a daemon thread (``premiere serve``)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="premiere-scheduler", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _services(self) -> tuple[Tick, Recorder]:
        return (
            self._tick or releases.tick_releases,
            self._recorder or releases.record_guard_decision,
        )
