"""What runs in an environment: one definition, read by the matrix, promotion and rollback.

A deployment runs once its deploy step is done (``verifying`` on), and keeps running
when its verification fails; one that failed before verifying leaves the previous one
running."""

from __future__ import annotations

from typing import Any

from tests.api.support import Api

from .conftest import deploy, record

BASE = "/api/v1/projects/shop"


def add_failing_check(api: Api, probe: str) -> None:
    body = {"key": "health", "kind": "http", "url": f"{probe}/down", "timeout_seconds": 2}
    api.ok(api.post(f"{BASE}/services/web/checks", body), 201)


def fail_verification(api: Api, version: str, environment: str = "staging") -> Any:
    view = api.ok(record(api, environment, version), 201)
    finished = api.post(f"{BASE}/deployments/{view['id']}/finish?wait=10", {"outcome": "succeeded"})
    failed = api.ok(finished)
    assert failed["status"] == "failed" and failed["verification"]["status"] == "failed"
    return failed


def staging(api: Api) -> Any:
    matrix = api.ok(api.get(f"{BASE}/environment-matrix"))
    return matrix["services"][0]["environments"]["staging"]


def test_matrix__verification_failed__shown_running_with_its_status(shop: Api, probe: str) -> None:
    # Given 1.0.0 runs, verified, and then 1.1.0 is deployed but its check fails
    good = deploy(shop, version="1.0.0")
    assert staging(shop)["status"] == "succeeded"
    add_failing_check(shop, probe)
    bad = fail_verification(shop, "1.1.0")

    # Then the matrix shows 1.1.0 running, failed and not verified
    cell = staging(shop)

    assert (cell["deployment_id"], cell["version"]) == (bad["id"], "1.1.0")
    assert (cell["status"], cell["verified"]) == ("failed", False)
    assert cell["deployment_id"] != good["id"]


def test_matrix__verifying__runs_and_keeps_its_since_when_it_succeeds(
    shop: Api, silent_port: int
) -> None:
    check = {"key": "slow", "kind": "http", "url": f"http://127.0.0.1:{silent_port}/",
             "timeout_seconds": 30}  # fmt: skip
    shop.ok(shop.post(f"{BASE}/services/web/checks", check), 201)
    view = shop.ok(record(shop, version="2.0.0"), 201)
    started = shop.post(f"{BASE}/deployments/{view['id']}/finish?wait=0", {"outcome": "succeeded"})
    assert started.json()["status"] == "verifying"

    verifying = staging(shop)
    shop.ok(shop.post(f"{BASE}/deployments/{view['id']}/status", {"status": "succeeded"}))
    succeeded = staging(shop)

    assert (verifying["deployment_id"], verifying["status"]) == (view["id"], "verifying")
    assert succeeded["status"] == "succeeded"
    assert succeeded["since"] == verifying["since"]


def test_rollback__of_what_runs_after_failed_verification__previous_version(
    shop: Api, probe: str
) -> None:
    deploy(shop, version="1.0.0")
    add_failing_check(shop, probe)
    bad = fail_verification(shop, "1.1.0")

    running = staging(shop)["deployment_id"]
    rollback = shop.ok(shop.post(f"{BASE}/deployments/{running}/rollback", {}), 201)

    assert running == bad["id"]
    assert (rollback["rollback_of"], rollback["version"]) == (bad["id"], "1.0.0")


def test_promote__failed_verification_runs_in_source__409_invalid_state(
    shop: Api, probe: str
) -> None:
    # The verified 1.0.0 no longer runs in staging: it is not promoted in its place
    deploy(shop, version="1.0.0")
    add_failing_check(shop, probe)
    fail_verification(shop, "1.1.0")

    body = {"service": "web", "from": "staging", "to": "production"}
    response = shop.post(f"{BASE}/deployments/promote", body)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
