"""Commands that open the database directly never create one (only `serve` and `demo`
do), and a `tokens` command aimed at a server without a token says what it needs; the
recipe for a lost admin token (docs/operations.md#lost-admin-token) works."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import NO_PREMIERE_ENV, Cli, LiveServer


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no database in it, as the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("args", [("create", "--scope", "admin"), ("list",), ("revoke", "1")])
def test_tokens__server_url_without_token__says_which_token_and_creates_nothing(
    elsewhere: Path, live_server: LiveServer, args: tuple[str, ...]
) -> None:
    # Given PREMIERE_URL names a server, and no PREMIERE_TOKEN is set
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_URL": live_server.url})
    # When a tokens command runs in a folder without a database
    result = run("tokens", *args)
    # Then it stops, saying what it needs and where to look, and no database appears
    assert result.exit_code == 6, result.output
    assert "PREMIERE_TOKEN is not set: an admin token is needed" in result.stderr
    assert live_server.url in result.stderr
    assert "docs/operations.md#lost-admin-token" in result.stderr
    assert result.stdout == ""
    assert list(elsewhere.iterdir()) == []


def test_tokens__url_option_without_token__same_refusal(elsewhere: Path) -> None:
    run = Cli(NO_PREMIERE_ENV)

    result = run("tokens", "create", "--scope", "admin", "--url", "http://127.0.0.1:8700")

    assert result.exit_code == 6
    assert "to create tokens on http://127.0.0.1:8700" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_tokens__no_server_and_no_database_here__not_found_and_nothing_created(
    elsewhere: Path,
) -> None:
    run = Cli(NO_PREMIERE_ENV)

    result = run("tokens", "create", "--scope", "admin")

    assert result.exit_code == 3, result.output
    assert "there is no Premiere database at sqlite:///premiere.db" in result.stderr
    assert "nothing was created" in result.stderr
    assert "--database" in result.stderr and "PREMIERE_URL and PREMIERE_TOKEN" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_tokens__database_without_premiere_schema__not_found_and_left_alone(
    elsewhere: Path,
) -> None:
    other = elsewhere / "other.db"
    sqlite3.connect(other).close()  # an empty SQLite database, not Premiere's
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_DATABASE_URL": f"sqlite:///{other}"})

    result = run("tokens", "list")

    assert result.exit_code == 3
    assert "holds no Premiere data" in result.stderr
    with sqlite3.connect(other) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_worker__no_database__not_found_and_nothing_created(elsewhere: Path) -> None:
    # A process with a time limit: a worker that wrongly started would run until stopped
    env = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "premiere.cli", "worker"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 3, result.stderr
    assert "premiere serve" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_lost_admin_token__create_with_database_where_it_is__server_accepts_it(
    elsewhere: Path, live_server: LiveServer
) -> None:
    # Given a shell that points at the server but has lost its admin token
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_URL": live_server.url})
    # When an admin token is made on the server's database, named with --database
    made = run.ok("tokens", "create", "--scope", "admin", "--name", "recovery",
                  "--database", live_server.database_url, "--json")  # fmt: skip
    token = json.loads(made.stdout)["token"]
    # Then the running server accepts it, and tokens commands work with it over the API
    answer = httpx.get(
        f"{live_server.url}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    listed = json.loads(run.ok("tokens", "list", "--json", PREMIERE_TOKEN=token).stdout)
    assert "recovery" in [t["name"] for t in listed]
    assert list(elsewhere.iterdir()) == []
