"""`premiere deployments rollback --service --env` rolls back what runs there, as the
environment matrix shows it, also when that deployment's verification failed."""

from __future__ import annotations

import json
import re
import sys

import pytest

from .conftest import ADMIN_TOKEN, NO_PREMIERE_ENV, Cli, LiveServer

PROJECT = "running"
SHA = "b1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> Cli:
    env = {"PREMIERE_URL": live_server.url, "PREMIERE_TOKEN": ADMIN_TOKEN,
           "PREMIERE_PROJECT": PROJECT}  # fmt: skip
    admin = Cli({**NO_PREMIERE_ENV, **env})
    admin.ok("projects", "create", PROJECT)
    admin.ok("environments", "create", "production")
    admin.ok("services", "create", "api")
    return admin


def deploy(admin: Cli, version: str) -> Cli:
    return admin("deploy", "run", "-s", "api", "-v", version, "-e", "production",
                 "--commit", SHA, "--json", "--", sys.executable, "-c", "pass")  # fmt: skip


def test_rollback__service_env_after_failed_verification__rolls_back_what_runs(
    admin: Cli, probe: str
) -> None:
    # Given 1.0.0 runs, verified; then 1.1.0 is deployed and its health check fails
    assert deploy(admin, "1.0.0").exit_code == 0
    admin.ok("deployments", "checks", "add", "health", "-s", "api", "--http", f"{probe}/broken")
    failed = deploy(admin, "1.1.0")
    assert failed.exit_code == 10, failed.stderr
    bad = json.loads(failed.stdout)
    # Then the matrix shows 1.1.0 running, with its status
    matrix = json.loads(admin.ok("deployments", "matrix", "-s", "api", "--json").stdout)
    cell = matrix["services"][0]["environments"]["production"]
    assert (cell["deployment_id"], cell["status"], cell["verified"]) == (bad["id"], "failed", False)
    table = admin.ok("deployments", "matrix", "-s", "api").stdout
    assert re.search(rf"api\s.*1\.1\.0 \(#{bad['id']}, failed\)", table), table
    # When it is rolled back by service and environment
    result = admin("deployments", "rollback", "-s", "api", "-e", "production", "--json")
    # Then the rollback is of the failed deployment, back to 1.0.0
    assert result.exit_code == 0, result.stderr
    rollback = json.loads(result.stdout)
    assert (rollback["rollback_of"], rollback["version"]) == (bad["id"], "1.0.0")


def test_rollback__nothing_runs__not_found(admin: Cli) -> None:
    admin.ok("services", "create", "idle")

    result = admin("deployments", "rollback", "-s", "idle", "-e", "production")

    assert result.exit_code == 3
    assert "nothing of idle runs in production" in result.stderr


def test_rollback__unknown_environment__not_found(admin: Cli) -> None:
    result = admin("deployments", "rollback", "-s", "api", "-e", "moon")

    assert result.exit_code == 3
    assert "environment 'moon' does not exist" in result.stderr
