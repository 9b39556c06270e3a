"""Running verification checks, off the request thread.

:class:`Verifier` owns a small thread pool. ``submit(deployment_id)`` runs the
deployment's checks there and records the outcome; ``wait`` (or ``wait_async``, which
holds no thread) lets a caller wait up to a bound. Every attempt is bounded by its
check's timeout (:mod:`.probes`), so an unreachable host or a hung program fails
the check with a reason and never blocks anything else.

A deployment's checks run in one process at a time: the verifier claims the deployment
in the database before running them (:mod:`.claims`) and renews the claim
while they run. Every few seconds it also takes up deployments left verifying whose
checks nobody runs (a restart, a replica that died), so each runs once, on one replica.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from premiere.services import SYSTEM, Actor
from premiere.services.deployments.claims import (
    LEASE_SECONDS,
    claim_verification,
    list_unclaimed_verifications,
    release_claim,
    renew_claims,
)
from premiere.services.deployments.ledger import complete_verification, verification_plan
from premiere.services.deployments.probes import CheckLimits, result_of, run_check
from premiere.store import Store

__all__ = ["CheckLimits", "Verifier", "run_check"]

log = logging.getLogger("premiere.verification")

CheckRunner = Callable[[Mapping[str, Any]], dict[str, Any]]


class Verifier:
    """Runs verification in background threads; one task per deployment at a time."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int = 4,
        run: CheckRunner | None = None,
        limits: CheckLimits | None = None,
        lease: float = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.limits = limits or CheckLimits()
        self.lease = lease
        self.owner = f"{socket.gethostname()[:32]}/{os.getpid()}/{secrets.token_hex(6)}"
        self._run = run or self._run_check
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="premiere-verify")
        self._tasks: dict[int, Future[None]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._keeper = threading.Thread(
            target=self._keep_claims, name="premiere-verify-claims", daemon=True
        )
        self._keeper.start()

    def submit(self, deployment_id: int, actor: Actor = SYSTEM) -> None:
        with self._lock:
            task = self._tasks.get(deployment_id)
            if task is not None and not task.done():
                return
            task = self._pool.submit(self._verify, deployment_id, actor)
            self._tasks[deployment_id] = task
        # Outside the lock: a task already done runs the callback here and now.
        task.add_done_callback(lambda _: self._forget(deployment_id))

    def wait(self, deployment_id: int, timeout: float) -> None:
        """Block until the deployment's verification here ends, at most ``timeout`` s."""
        task = self._task(deployment_id)
        if task is None:
            return
        try:
            task.result(timeout=max(0.0, timeout))
        except FutureTimeout:
            return

    async def wait_async(self, deployment_id: int, timeout: float) -> None:
        """``wait`` for an event loop: waits without holding a thread."""
        task = self._task(deployment_id)
        if task is None:
            return
        await asyncio.wait({asyncio.wrap_future(task)}, timeout=max(0.0, timeout))

    def resume(self) -> int:
        """Submit every deployment left verifying whose checks nobody runs (e.g. after a
        restart); returns how many. Each runs here only if this process claims it."""
        ids = list_unclaimed_verifications(self.store)
        for deployment_id in ids:
            self.submit(deployment_id)
        return len(ids)

    def close(self) -> None:
        self._stopping.set()
        self._keeper.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _task(self, deployment_id: int) -> Future[None] | None:
        with self._lock:
            return self._tasks.get(deployment_id)

    def _forget(self, deployment_id: int) -> None:
        with self._lock:
            task = self._tasks.get(deployment_id)
            if task is not None and task.done():
                del self._tasks[deployment_id]

    def _keep_claims(self) -> None:
        """Renew the claims of the checks running here; take up abandoned ones."""
        while not self._stopping.wait(self.lease / 3):
            try:
                with self._lock:
                    running = [i for i, task in self._tasks.items() if not task.done()]
                renew_claims(self.store, self.owner, running, self.lease)
                self.resume()
            except Exception:  # a background thread: log, try again next round
                log.exception("renewing verification claims failed")

    def _verify(self, deployment_id: int, actor: Actor) -> None:
        try:
            if not claim_verification(self.store, deployment_id, self.owner, self.lease):
                return  # another process runs them, or they are over
            try:
                plan = verification_plan(self.store, deployment_id)
                if plan is not None:
                    results = [self._run_one(spec) for spec in plan]
                    complete_verification(self.store, actor, deployment_id, results)
            finally:
                release_claim(self.store, deployment_id, self.owner)
        except Exception:  # a background thread: log, never lose it silently
            log.exception("verifying deployment %s failed", deployment_id)

    def _run_check(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        return run_check(spec, self.limits)

    def _run_one(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._run(spec)
        except Exception as error:  # pragma: no cover - run_check catches its own
            log.exception("check %s crashed", spec.get("key"))
            return result_of(spec, "failed", 0, 0.0, reason=f"the check crashed: {error!r}")
