"""The ledger's services directly: races on idempotency keys, and verification picked
up again by a server that starts while deployments are verifying."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments.checks import create_check
from premiere.services.deployments.history import list_deployments
from premiere.services.deployments.ledger import (
    change_deployment_status,
    finish_deployment,
    get_deployment,
    record_deployment,
)
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.verification import Verifier
from premiere.store import Store

from .conftest import SHA


def body(**more: Any) -> dict[str, Any]:
    return {
        "service": "web",
        "environment": "staging",
        "version": "1.0.0",
        "commit_sha": SHA,
        **more,
    }


def test_record__same_key_concurrently__one_deployment(
    store: Store, actor: Actor, project: str
) -> None:
    create_service(store, actor, project, {"key": "web"})
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        view, created = record_deployment(store, actor, project, body(idempotency_key="run-9"))
        results.append((view["id"], created))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({ident for ident, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(list_deployments(store, project)["items"]) == 1


def test_verifier_resume__deployment_left_verifying__checks_run(
    store: Store, actor: Actor, project: str
) -> None:
    create_service(store, actor, project, {"key": "web"})
    argv = [sys.executable, "-c", "pass"]
    check = {"key": "smoke", "kind": "command", "argv": argv}
    create_check(store, actor, project, "web", check, AddressPolicy())
    view, _ = record_deployment(store, actor, project, body())
    left = finish_deployment(store, actor, project, view["id"], {"outcome": "succeeded"})
    assert left["status"] == "verifying"  # nobody ran the checks: e.g. a restart

    verifier = Verifier(store)
    try:
        assert verifier.resume() == 1
        verifier.wait(view["id"], 10)
    finally:
        verifier.close()

    done = get_deployment(store, project, view["id"])
    assert done["status"] == "succeeded" and done["verified"] is True
    assert done["verification"]["checks"][0]["status"] == "passed"


# A check that says it has started, then passes once told to (or after 4 s).
HELD_CHECK = (
    "import pathlib, sys, time\n"
    "pathlib.Path(sys.argv[1]).touch()\n"
    "deadline = time.monotonic() + 4\n"
    "while not pathlib.Path(sys.argv[2]).exists() and time.monotonic() < deadline:\n"
    "    time.sleep(0.01)\n"
)


def test_verifier__deployment_reported_failed_meanwhile__keeps_failed(
    store: Store, actor: Actor, project: str, tmp_path: Path
) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    create_service(store, actor, project, {"key": "web"})
    argv = [sys.executable, "-c", HELD_CHECK, str(started), str(go)]
    check = {"key": "slow", "kind": "command", "argv": argv, "timeout_seconds": 10}
    create_check(store, actor, project, "web", check, AddressPolicy())
    view, _ = record_deployment(store, actor, project, body())
    finish_deployment(store, actor, project, view["id"], {"outcome": "succeeded"})
    verifier = Verifier(store)
    try:
        verifier.submit(view["id"])
        deadline = time.monotonic() + 10
        while not started.exists():  # the check is running
            assert time.monotonic() < deadline, "the check did not start"
            time.sleep(0.01)
        change_deployment_status(store, actor, project, view["id"], {"status": "failed"})
        go.touch()  # the check passes now
        verifier.wait(view["id"], 10)
    finally:
        verifier.close()

    assert get_deployment(store, project, view["id"])["status"] == "failed"
