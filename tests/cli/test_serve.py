"""`premiere serve`: the admin token on first start, the demo, the port check."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from premiere.settings import Settings

from .conftest import NO_PREMIERE_ENV, Cli, free_port

TOKEN = re.compile(r"prm_[0-9a-f]{16}_[A-Za-z0-9_-]+")


@dataclass
class Served:
    port: int
    stdout: str
    seconds_to_ready: float
    projects: list[str]  # what the admin token (printed or preset) could list


def _serve(database: Path, *args: str, **env: str) -> Served:
    """Run `premiere serve` until it answers, use its admin token, stop it with Ctrl+C."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    environ |= {"PREMIERE_DATABASE_URL": f"sqlite:///{database}", "PREMIERE_PORT": str(port)}
    command = [sys.executable, "-m", "premiere.cli", "serve", *args]
    started = time.monotonic()
    process = subprocess.Popen(
        command, env=environ | env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        assert _wait_ready(f"http://127.0.0.1:{port}/healthz", process), "serve did not start"
        ready = time.monotonic() - started
        while not any(" on http://" in line for line in lines[:]):
            time.sleep(0.01)
        output = "".join(lines)
        printed = TOKEN.search(output)
        token = env.get("PREMIERE_ADMIN_TOKEN") or (printed[0] if printed else None)
        projects = _project_keys(port, token) if token else []
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        reader.join(timeout=5)
        process.stdout.close()
    return Served(port, "".join(lines), ready, projects)


def _wait_ready(url: str, process: subprocess.Popen[str]) -> bool:
    deadline = time.monotonic() + 60  # a fresh database migrates first; a loaded machine is slow
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.05)
    return False


def _project_keys(port: int, token: str) -> list[str]:
    response = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return [p["key"] for p in response.json()]


@pytest.mark.slow
def test_serve__fresh_database__prints_admin_token_once_and_it_works(tmp_path: Path) -> None:
    first = _serve(tmp_path / "p.db", "--demo")
    token = TOKEN.search(first.stdout)
    assert token, first.stdout
    url = f"http://127.0.0.1:{first.port}"
    assert f"export PREMIERE_URL={url} PREMIERE_TOKEN={token[0]}" in first.stdout
    assert f"Open the console at {url}/ and sign in with it" in first.stdout
    assert "Demo project 'demo' (Acme Shop): created." in first.stdout
    assert first.projects == ["demo"]
    assert first.seconds_to_ready < 30  # about 2 s on an idle machine

    # The second start neither prints a token nor seeds again.
    second = _serve(tmp_path / "p.db", "--demo")
    assert not TOKEN.search(second.stdout)
    assert "already there" in second.stdout
    assert "printed when this database was first served" in second.stdout
    recovery = f"premiere tokens create --scope admin --database sqlite:///{tmp_path / 'p.db'}"
    assert recovery in second.stdout


@pytest.mark.slow
def test_serve__fresh_database_without_demo__suggests_creating_a_project(tmp_path: Path) -> None:
    served = _serve(tmp_path / "p.db")
    assert served.projects == []
    assert "premiere projects create my-project --name 'My project'" in served.stdout
    assert "docs/own-project.md" in served.stdout
    assert "premiere flags list" not in served.stdout  # it would find no project


@pytest.mark.slow
def test_serve__preset_admin_token__used_and_not_printed(tmp_path: Path) -> None:
    preset = "prm_0123456789abcdef_preset-secret"
    served = _serve(tmp_path / "p.db", PREMIERE_ADMIN_TOKEN=preset)
    assert preset not in served.stdout
    assert "PREMIERE_ADMIN_TOKEN" in served.stdout
    assert served.projects == []


def test_serve__short_preset_admin_token__start_up_error(run_local: Cli) -> None:
    result = run_local("serve", "--port", "1", PREMIERE_ADMIN_TOKEN="too-short-to-guard-a-server")

    assert result.exit_code == 1
    assert "PREMIERE_ADMIN_TOKEN: must be at least 32 characters long (it has 27)" in (
        result.stderr
    )


def test_serve__port_in_use__clear_error(run_local: Cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_local("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_serve__bad_database_url__clear_error(run_local: Cli) -> None:
    result = run_local("serve", "--port", str(free_port()), "--database", "nosuchdb://x")
    assert result.exit_code == 1
    assert "nosuchdb://x" in result.stderr


def test_serve__unknown_log_level__clear_error(run_local: Cli) -> None:
    result = run_local("serve", "--port", str(free_port()), PREMIERE_LOG_LEVEL="loud")
    assert result.exit_code == 1
    assert "PREMIERE_LOG_LEVEL='loud'" in result.stderr


def test_serve__port_not_a_number__clear_error(run_local: Cli) -> None:
    result = run_local("serve", PREMIERE_PORT="eighty")
    assert result.exit_code == 1
    assert "PREMIERE_PORT: 'eighty' is not a whole number" in result.stderr


def test_settle_memory__start_up_objects_frozen_young_generation_larger() -> None:
    import gc

    from premiere.cli.server.commands import GC_THRESHOLDS, settle_memory

    before = gc.get_threshold()
    try:
        settle_memory()

        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_serve__unknown_role_in_the_sso_role_map__start_up_error(run_local: Cli) -> None:
    result = run_local(
        "serve",
        "--port",
        str(free_port()),
        PREMIERE_OIDC_ISSUER="https://sso.example.com",
        PREMIERE_OIDC_CLIENT_ID="premiere",
        PREMIERE_OIDC_CLIENT_SECRET="s3cret",
        PREMIERE_OIDC_ROLE_MAP="eng=engineer,boss=overlord",
    )

    assert result.exit_code == 1
    assert "PREMIERE_OIDC_ROLE_MAP: 'boss=overlord': unknown role 'overlord'" in result.stderr


def test_serve__no_public_url__links_name_the_address_it_listens_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from premiere.cli.server.commands import _reachable_at

    monkeypatch.delenv("PREMIERE_PUBLIC_URL", raising=False)
    listening = Settings(host="0.0.0.0", port=8790)
    assert _reachable_at(listening).public_url == "http://127.0.0.1:8790"
    monkeypatch.setenv("PREMIERE_PUBLIC_URL", "https://premiere.acme.example")
    given = Settings(host="0.0.0.0", port=8790, public_url="https://premiere.acme.example")
    assert _reachable_at(given).public_url == "https://premiere.acme.example"
