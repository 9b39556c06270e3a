"""Verification checks against real things: an HTTP server and ports on loopback, and
commands run with this Python."""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

from premiere.services.deployments.verification import run_check
from tests.api.support import Api

from .conftest import record

BASE = "/api/v1/projects/shop"


def http_check(url: str, **more: Any) -> dict[str, Any]:
    return {"key": "health", "kind": "http", "url": url, "timeout_seconds": 2, **more}


def command_check(code: str, **more: Any) -> dict[str, Any]:
    return {"key": "smoke", "kind": "command", "argv": [sys.executable, "-c", code], **more}


def add_check(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    return dict(api.ok(api.post(f"{BASE}/services/web/checks", body), 201))


def finish(api: Api, wait: float = 10) -> Any:
    view = api.ok(record(api), 201)
    return api.post(f"{BASE}/deployments/{view['id']}/finish?wait={wait}", {"outcome": "succeeded"})


def test_http_check__status_body_and_json_field__passed(probe: str) -> None:
    spec = http_check(
        f"{probe}/ok", body_contains='"db"', json_field={"path": "status.db", "equals": "ok"}
    )

    result = run_check(spec)

    assert result["status"] == "passed", result
    assert result["http_status"] == 200 and result["attempts"] == 1


def test_http_check__json_field_differs__failed_with_reason(probe: str) -> None:
    result = run_check(http_check(f"{probe}/ok", json_field={"path": "version", "equals": "2"}))

    assert result["status"] == "failed"
    assert result["reason"] == 'version is "1.0.0", expected "2"'


def test_http_check__flaky__retries_with_backoff_until_passed(probe: str) -> None:
    result = run_check(http_check(f"{probe}/flaky", retries=3, interval_seconds=0.01, backoff=2))

    assert result["status"] == "passed"
    assert result["attempts"] == 3


def test_http_check__refused_port__failed_fast_with_reason(closed_port: int) -> None:
    started = time.monotonic()

    result = run_check(http_check(f"http://127.0.0.1:{closed_port}/", timeout_seconds=5))

    assert result["status"] == "failed"
    assert result["reason"].startswith("request failed")
    assert time.monotonic() - started < 2


def test_http_check__silent_port__failed_within_timeout(silent_port: int) -> None:
    started = time.monotonic()

    result = run_check(http_check(f"http://127.0.0.1:{silent_port}/", timeout_seconds=0.3))

    assert result["status"] == "failed"
    assert result["reason"] == "no answer within 0.3 s"
    assert time.monotonic() - started < 2


def test_command_check__exit_code__passed_or_failed_with_output() -> None:
    passed = run_check(command_check("pass"))
    failed = run_check(command_check("import sys; print('broken'); sys.exit(3)"))

    assert passed["status"] == "passed" and passed["exit_code"] == 0
    assert failed["status"] == "failed" and failed["exit_code"] == 3
    assert failed["reason"] == "exit code 3, expected 0: broken"


def test_command_check__hangs__killed_at_timeout() -> None:
    started = time.monotonic()

    result = run_check(command_check("import time; time.sleep(30)", timeout_seconds=0.5))

    assert result["status"] == "failed"
    assert "killed" in result["reason"]
    assert time.monotonic() - started < 5


def test_command_check__missing_program__failed_with_reason() -> None:
    result = run_check({"key": "x", "kind": "command", "argv": ["/nonexistent/program"]})

    assert result["status"] == "failed"
    assert result["reason"].startswith("could not start")


def test_finish__checks_pass__succeeded_verified_with_results(shop: Api, probe: str) -> None:
    add_check(shop, http_check(f"{probe}/ok"))
    add_check(shop, command_check("pass"))

    response = finish(shop)

    view = shop.ok(response)
    assert view["status"] == "succeeded" and view["verified"] is True
    assert [c["key"] for c in view["verification"]["checks"]] == ["health", "smoke"]
    assert {c["status"] for c in view["verification"]["checks"]} == {"passed"}


def test_finish__a_check_fails__failed_naming_it(shop: Api, probe: str) -> None:
    add_check(shop, http_check(f"{probe}/down"))

    view = shop.ok(finish(shop))

    assert view["status"] == "failed" and view["verified"] is False
    assert view["reason"] == "verification failed: health"
    assert view["verification"]["checks"][0]["http_status"] == 503


def test_finish__no_wait__202_verifying_then_get_shows_outcome(shop: Api, silent_port: int) -> None:
    add_check(shop, http_check(f"http://127.0.0.1:{silent_port}/", timeout_seconds=0.5))

    response = finish(shop, wait=0)
    view = response.json()
    assert response.status_code == 202 and view["status"] == "verifying"
    assert view["verification"]["status"] == "running"
    other = shop.get(f"{BASE}/deployments")  # nothing else waits for the check
    assert other.status_code == 200

    deadline = time.monotonic() + 10
    while view["status"] == "verifying" and time.monotonic() < deadline:
        time.sleep(0.05)
        view = shop.ok(shop.get(f"{BASE}/deployments/{view['id']}"))
    assert view["status"] == "failed"
    assert view["verification"]["checks"][0]["reason"] == "no answer within 0.5 s"


def test_checks__environment_scoped__run_only_there(shop: Api, probe: str) -> None:
    add_check(shop, http_check(f"{probe}/down", environment="production"))

    view = shop.ok(finish(shop))  # staging

    assert view["status"] == "succeeded" and view["verification"]["checks"] == []


def test_checks__crud_with_versions(shop: Api) -> None:
    created = add_check(shop, command_check("pass"))
    path = f"{BASE}/services/web/checks/smoke"

    replaced = shop.ok(
        shop.put(path, {**command_check("pass", retries=2), "version": created["version"]})
    )
    stale = shop.put(path, {**command_check("pass"), "version": created["version"]})
    missing_version = shop.delete(path)
    deleted = shop.delete(path, headers={"If-Match": f'"{replaced["version"]}"'})

    assert created["timeout_seconds"] == 5.0 and created["environment"] is None
    assert replaced["retries"] == 2 and replaced["version"] == 2
    assert stale.status_code == 409
    assert missing_version.status_code == 428
    assert deleted.status_code == 204
    assert shop.ok(shop.get(f"{BASE}/services/web/checks")) == []


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"kind": "http", "url": "ftp://x"}, "url", "url"),
        ({"kind": "http", "url": "http://x", "timeout_seconds": 0}, "timeout_seconds", "range"),
        ({"kind": "http", "url": "http://x", "retries": 11}, "retries", "maximum"),
        ({"kind": "command", "argv": []}, "argv", "type"),
        ({"kind": "http", "url": "http://x", "argv": ["a"]}, "argv", "unknown_field"),
        ({"kind": "http", "url": "http://x", "environment": "qa"}, None, None),
    ],
)
def test_checks__bad_body__refused(
    shop: Api, body: dict[str, Any], field: str | None, rule: str | None
) -> None:
    response = shop.post(f"{BASE}/services/web/checks", {"key": "c", **body})

    if field is None:
        assert response.status_code == 404  # unknown environment
        return
    assert response.status_code == 422
    errors = {(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]}
    assert (field, rule) in errors
