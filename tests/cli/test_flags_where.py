"""`premiere flags where KEY`: where a flag's code runs, per environment and service."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ADMIN_TOKEN, NO_PREMIERE_ENV, Cli, LiveServer


@pytest.fixture(scope="module")
def where(live_server: LiveServer) -> Cli:
    """`premiere` in project cli-where: staging and production, services api and web."""
    env = {"PREMIERE_URL": live_server.url, "PREMIERE_TOKEN": ADMIN_TOKEN,
           "PREMIERE_PROJECT": "cli-where"}  # fmt: skip
    run = Cli({**NO_PREMIERE_ENV, **env})
    run.ok("projects", "create", "cli-where")
    for environment in ("staging", "production"):
        run.ok("environments", "create", environment)
    for service in ("api", "web"):
        run.ok("services", "create", service)
    return run


def test_flags_where__carried_by_deployments__per_environment_and_service(where: Cli) -> None:
    # Given a flag whose code two services carry, deployed to staging, one to production
    where.ok("flags", "create", "fast-search")
    for service, env, version in (("api", "staging", "2.0.0"), ("web", "staging", "5.1.0"),
                                  ("api", "production", "1.9.0")):  # fmt: skip
        where.ok("deployments", "record", "-s", service, "-v", version, "-e", env,
                 "--commit", "abcdef0", "--features", "fast-search")  # fmt: skip
    # (web runs in production too, without the flag's code)
    where.ok("deployments", "record", "-s", "web", "-v", "5.2.0", "-e", "production",
             "--commit", "abcdef0")  # fmt: skip
    # When asked where its code runs
    found = json.loads(where.ok("flags", "where", "fast-search", "--json").stdout)
    # Then each environment lists the services running it, with their versions
    running = {
        (e["environment"], s["service"]): (s["version"], s["verified"])
        for e in found["environments"]
        for s in e["services"]
    }
    assert running == {
        ("staging", "api"): ("2.0.0", True),
        ("staging", "web"): ("5.1.0", True),
        ("production", "api"): ("1.9.0", True),
    }
    assert len(found["deployments"]) == 3
    table = where.ok("flags", "where", "fast-search").stdout
    assert re.search(r"production\s.*api\s.*1\.9\.0\s.*yes", table), table
    assert "Latest deployments carrying fast-search" in table


def test_flags_where__key_no_flag_and_no_deployment_has__not_found(where: Cli) -> None:
    result = where("flags", "where", "never-heard-of")

    assert result.exit_code == 3
    assert "no deployment carries it" in result.stderr


def test_flags_where__key_only_deployments_carry__shown_with_a_note(where: Cli) -> None:
    where.ok("services", "create", "jobs")
    where.ok("deployments", "record", "-s", "jobs", "-v", "7.7.7", "-e", "staging",
             "--commit", "abcdef0", "--features", "unborn-flag")  # fmt: skip

    table = where.ok("flags", "where", "unborn-flag").stdout

    assert re.search(r"staging\s.*jobs\s.*7\.7\.7", table), table
    assert "No flag unborn-flag exists in project cli-where" in table
