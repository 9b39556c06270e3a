"""Checks left in flight are resumed once, however many processes start against one
database: two verifiers, each with its own store on the same database, as two replicas."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, Future
from datetime import timedelta
from typing import Any

import pytest

from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments.checks import create_check
from premiere.services.deployments.claims import (
    claim_verification,
    list_unclaimed_verifications,
    renew_claims,
)
from premiere.services.deployments.ledger import (
    finish_deployment,
    get_deployment,
    record_deployment,
)
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.probes import result_of
from premiere.services.deployments.verification import Verifier
from premiere.store import Store
from premiere.store.types import utc_now

from .conftest import SHA


class CountingRun:
    """A check runner that counts its runs and holds each until released."""

    def __init__(self) -> None:
        self.runs = 0
        self.lock = threading.Lock()
        self.go = threading.Event()
        self.started = threading.Event()

    def __call__(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.runs += 1
        self.started.set()
        self.go.wait(10)
        return result_of(spec, "passed", 1, 0.0)


@pytest.fixture
def other_store(database_url: str, store: Store) -> Iterator[Store]:
    """A second process's store on the same database."""
    opened = Store.open(database_url)
    yield opened
    opened.close()


def left_verifying(store: Store, actor: Actor, project: str, count: int) -> list[int]:
    """``count`` deployments left verifying, with one check each (nobody runs them)."""
    create_service(store, actor, project, {"key": "web"})
    argv = [sys.executable, "-c", "pass"]
    check = {"key": "smoke", "kind": "command", "argv": argv}
    create_check(store, actor, project, "web", check, AddressPolicy())
    ids = []
    for n in range(count):
        body = {"service": "web", "environment": "staging", "version": f"1.0.{n}"}
        view, _ = record_deployment(store, actor, project, body | {"commit_sha": SHA})
        finish_deployment(store, actor, project, view["id"], {"outcome": "succeeded"})
        ids.append(view["id"])
    return ids


def test_resume__two_processes_at_once__each_deployment_checked_once(
    store: Store, other_store: Store, actor: Actor, project: str
) -> None:
    # Given three deployments left verifying by a restart, and two replicas starting
    ids = left_verifying(store, actor, project, 3)
    run = CountingRun()
    first, second = Verifier(store, run=run), Verifier(other_store, run=run)
    try:
        # When both resume at the same moment
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=lambda v=v: (barrier.wait(5), v.resume()))
            for v in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        run.go.set()
        for deployment in ids:
            first.wait(deployment, 10)
            second.wait(deployment, 10)
    finally:
        first.close()
        second.close()

    # Then each deployment's check ran once, and each succeeded
    assert run.runs == 3
    assert [get_deployment(store, project, d)["status"] for d in ids] == ["succeeded"] * 3


def test_resume__checks_running_in_another_process__not_run_again(
    store: Store, other_store: Store, actor: Actor, project: str
) -> None:
    # Given one replica running a deployment's checks
    [deployment] = left_verifying(store, actor, project, 1)
    run_here, run_there = CountingRun(), CountingRun()
    running, starting = Verifier(store, run=run_there), Verifier(other_store, run=run_here)
    try:
        running.submit(deployment)
        assert run_there.started.wait(10)
        # When another replica starts and resumes checks left in flight
        resumed = starting.resume()
        starting.submit(deployment)  # even asked directly, it does not run them
        starting.wait(deployment, 10)
        run_there.go.set()
        running.wait(deployment, 10)
    finally:
        running.close()
        starting.close()

    # Then only the first replica ran them
    assert run_here.runs == 0
    assert run_there.runs == 1
    assert resumed == 0
    assert get_deployment(store, project, deployment)["status"] == "succeeded"


def test_resume__claim_of_a_dead_process_expired__taken_over(
    store: Store, other_store: Store, actor: Actor, project: str
) -> None:
    # Given a deployment claimed by a process that died long ago, another claimed just now
    dead, alive = left_verifying(store, actor, project, 2)
    long_ago = utc_now() - timedelta(hours=1)
    assert claim_verification(store, dead, "gone/1/abc", lease=30, now=long_ago)
    assert claim_verification(store, alive, "alive/2/def")
    run = CountingRun()
    run.go.set()
    verifier = Verifier(other_store, run=run)
    try:
        # When a replica looks for checks nobody runs
        resumed = verifier.resume()
        verifier.wait(dead, 10)
        verifier.submit(alive)
        verifier.wait(alive, 10)
    finally:
        verifier.close()

    # Then it takes over the expired claim only
    assert resumed == 1 and run.runs == 1
    assert get_deployment(store, project, dead)["status"] == "succeeded"
    assert get_deployment(store, project, alive)["status"] == "verifying"


def test_claims__renewed_lease__holds_off_others_until_it_runs_out(
    store: Store, other_store: Store, actor: Actor, project: str
) -> None:
    [deployment] = left_verifying(store, actor, project, 1)
    start = utc_now()
    later = start + timedelta(seconds=20)

    assert claim_verification(store, deployment, "a/1/x", lease=30, now=start)
    renew_claims(store, "a/1/x", [deployment], lease=30, now=later)

    # past the first lease, still held thanks to the renewal; past the renewed one, free
    assert not claim_verification(
        other_store, deployment, "b/2/y", now=start + timedelta(seconds=40)
    )
    assert list_unclaimed_verifications(other_store, now=start + timedelta(seconds=40)) == []
    assert claim_verification(other_store, deployment, "b/2/y", now=later + timedelta(seconds=31))
    renew_claims(store, "a/1/x", [deployment], now=later + timedelta(seconds=32))  # not its own
    assert not claim_verification(store, deployment, "a/1/x", now=later + timedelta(seconds=33))


class InlineExecutor(Executor):
    """Runs each task at once in the submitting thread: its future is done on return."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_submit__task_over_before_submit_returns__no_deadlock(store: Store) -> None:
    # Given a verifier whose task for a deployment not verifying ends at once (nothing to
    # claim), before submit registers its callback
    verifier = Verifier(store, run=CountingRun())
    verifier._pool.shutdown()
    verifier._pool = InlineExecutor()  # type: ignore[assignment]
    finished = threading.Event()

    def submit() -> None:
        verifier.submit(10**9)
        finished.set()

    # When it is submitted
    threading.Thread(target=submit, daemon=True).start()

    # Then submit returns (the callback runs outside the verifier's lock)
    assert finished.wait(10), "submit deadlocked"
    verifier.close()
