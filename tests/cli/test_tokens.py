"""`premiere tokens ...` through the API (with a token) and on the database (without)."""

from __future__ import annotations

import json

import httpx

from .conftest import Cli, LiveServer


def test_tokens_create__sdk_server_json__token_reads_the_flag_document(
    run: Cli, live_server: LiveServer
) -> None:
    result = run.ok("tokens", "create", "--scope", "sdk-server", "--environment", "production",
                    "--project", "demo", "--json")  # fmt: skip
    created = json.loads(result.stdout)
    assert created["token"].startswith("prm_")
    assert (created["scope"], created["project"], created["environment"]) == (
        "sdk-server", "demo", "production",
    )  # fmt: skip
    response = httpx.get(
        f"{live_server.url}/api/v1/sdk/flags",
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    assert response.status_code == 200
    document = response.json()
    assert document["environment"] == "production"
    assert document["flags"]["new-checkout"]["on"] is True


def test_tokens_list_revoke__via_api__revoked_token_stops_working(
    run: Cli, live_server: LiveServer
) -> None:
    created = json.loads(
        run.ok("tokens", "create", "--scope", "admin", "--name", "cli-ci", "--json").stdout
    )
    listed = json.loads(run.ok("tokens", "list", "--json").stdout)
    assert created["id"] in [t["id"] for t in listed]
    assert "token" not in listed[0]
    run.ok("tokens", "revoke", created["id"])
    result = run("projects", "list", PREMIERE_TOKEN=created["token"])
    assert result.exit_code == 6


def test_tokens_create__sdk_scope_without_environment__usage_exit_code(run: Cli) -> None:
    result = run("tokens", "create", "--scope", "sdk-client")
    assert result.exit_code == 2
    assert "--environment" in result.stderr


def test_tokens_create__unknown_environment__not_found(run: Cli) -> None:
    result = run("tokens", "create", "--scope", "sdk-client", "-e", "moon", "-p", "demo")
    assert result.exit_code == 3


def test_tokens_local__no_token__works_on_the_database(run_local: Cli) -> None:
    # Given a database with only the demo project, and no PREMIERE_TOKEN
    run_local.ok("demo")
    # When an sdk-client token is made without --project, the only project is used
    created = json.loads(
        run_local.ok("tokens", "create", "--scope", "sdk-client", "-e", "staging", "--json").stdout
    )
    assert (created["project"], created["environment"]) == ("demo", "staging")
    table = run_local.ok("tokens", "list").stdout
    assert created["id"] in table
    run_local.ok("tokens", "revoke", created["id"])
    listed = json.loads(run_local.ok("tokens", "list", "--json").stdout)
    assert next(t for t in listed if t["id"] == created["id"])["revoked_at"] is not None


def test_tokens_local__two_projects_and_no_project__usage_exit_code(run_local: Cli) -> None:
    run_local.ok("demo")
    created = run_local.ok("tokens", "create", "--scope", "admin", "--json").stdout
    token = json.loads(created)["token"]
    assert token.startswith("prm_")
    # a second project can only be made over the API; here only the count matters
    result = run_local("tokens", "create", "--scope", "sdk-server", "-e", "production", "-p", "x")
    assert result.exit_code == 3


def test_tokens_revoke__unknown_id__not_found_exit_code(run_local: Cli) -> None:
    run_local.ok("demo")
    result = run_local("tokens", "revoke", "0000000000000000")
    assert result.exit_code == 3
    assert "Traceback" not in result.output
