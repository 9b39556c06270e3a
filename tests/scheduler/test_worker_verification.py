"""`premiere worker` finishes verification checks left in flight: deployments still
verifying whose checks nobody runs (the API replica that ran them is gone, its claim ran
out), with no API replica up."""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta

from premiere.cli.server.worker import run_worker
from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments.checks import create_check
from premiere.services.deployments.claims import claim_verification
from premiere.services.deployments.ledger import (
    finish_deployment,
    get_deployment,
    record_deployment,
)
from premiere.services.deployments.network import AddressPolicy
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.types import utc_now

SHA = "0123456789abcdef0123456789abcdef01234567"


def _left_verifying(store: Store, actor: Actor, project: str) -> list[int]:
    """Two deployments verifying: one nobody ever ran, one whose runner died long ago."""
    create_service(store, actor, project, {"key": "web"})
    check = {"key": "smoke", "kind": "command", "argv": [sys.executable, "-c", "pass"]}
    create_check(store, actor, project, "web", check, AddressPolicy())
    ids = []
    for version in ("1.0.0", "1.0.1"):
        body = {"service": "web", "environment": "staging", "version": version}
        view, _ = record_deployment(store, actor, project, body | {"commit_sha": SHA})
        finish_deployment(store, actor, project, view["id"], {"outcome": "succeeded"})
        ids.append(int(view["id"]))
    long_ago = utc_now() - timedelta(hours=1)
    assert claim_verification(store, ids[1], "gone/1/abc", lease=30, now=long_ago)
    return ids


def _statuses(store: Store, project: str, ids: list[int]) -> list[str]:
    return [get_deployment(store, project, i)["status"] for i in ids]


def test_worker__checks_left_in_flight__finished_without_an_api(
    store: Store, actor: Actor, project: str
) -> None:
    ids = _left_verifying(store, actor, project)
    assert _statuses(store, project, ids) == ["verifying", "verifying"]
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(store, Settings(), 0.05, stop))

    worker.start()
    try:
        deadline = time.monotonic() + 20
        while "verifying" in _statuses(store, project, ids) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(20)

    assert not worker.is_alive()
    assert _statuses(store, project, ids) == ["succeeded", "succeeded"]
    assert all(get_deployment(store, project, i)["verified"] for i in ids)
