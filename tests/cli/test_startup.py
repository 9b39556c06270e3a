"""Start-up: commands are imported when used, so `premiere --help` and the API's client
commands start without the server's libraries (cli/main.py, COMMANDS); `serve` on a
database at the newest revision loads only what serving needs; a client of a
plain-http server loads no CA bundle (cli/client.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx
import pytest

from premiere.cli.client import tls_verification
from premiere.cli.main import COMMANDS, cli
from premiere.store import Store

from .conftest import ADMIN_TOKEN, NO_PREMIERE_ENV, LiveServer, free_port

SERVER_LIBRARIES = {"alembic", "fastapi", "psycopg", "pydantic", "sqlalchemy", "starlette"}
SERVER_LIBRARIES |= {"uvicorn", "premiere.api", "premiere.services", "premiere.store"}

RUN_AND_LIST_MODULES = """
import json, sys
out, sys.argv = sys.argv[1], ["premiere", *sys.argv[2:]]
try:
    from premiere.cli.entry import main
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
with open(out, "w") as file:
    json.dump({"code": code, "modules": sorted(sys.modules)}, file)
"""


def _run_and_list_modules(tmp_path: Path, *args: str, **env: str) -> tuple[object, set[str]]:
    """Run `premiere *args` in a new interpreter: its exit code and the modules it imported."""
    out = tmp_path / "modules.json"
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(out), *args],
        env={**environ, **env},
        capture_output=True,
        timeout=60,
        check=False,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    return result["code"], set(result["modules"])


def _loaded(modules: set[str], names: set[str]) -> set[str]:
    """Which of ``names`` (packages or modules) are among ``modules``."""
    return {n for n in names if any(m == n or m.startswith(n + ".") for m in modules)}


def test_help__lists_commands__without_importing_any(tmp_path: Path) -> None:
    code, modules = _run_and_list_modules(tmp_path, "--help")
    assert code == 0
    assert _loaded(modules, SERVER_LIBRARIES | {"httpx", "rich"}) == set()
    assert {m for m in modules if m.startswith("premiere.cli.")} == {
        "premiere.cli.aliases",
        "premiere.cli.entry",
        "premiere.cli.main",
    }


def test_client_command__against_a_server__imports_no_server_library(
    tmp_path: Path, live_server: LiveServer
) -> None:
    env = {"PREMIERE_URL": live_server.url, "PREMIERE_TOKEN": ADMIN_TOKEN}
    code, modules = _run_and_list_modules(tmp_path, "flags", "list", "-p", "demo", **env)
    assert code == 0
    assert "premiere.cli.flags.commands" in modules
    assert _loaded(modules, SERVER_LIBRARIES) == set()
    assert "premiere.cli.server.commands" not in modules  # nor other commands' modules


def test_serve__database_at_newest_revision__loads_only_what_serving_needs(
    tmp_path: Path,
) -> None:
    # Given a database Premiere has served before
    url = f"sqlite:///{tmp_path / 'premiere.db'}"
    Store.open(url).close()
    # When `premiere serve` starts on it, until it answers
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    environ |= {"PREMIERE_DATABASE_URL": url, "PREMIERE_PORT": str(port)}
    imports = tmp_path / "imports.txt"
    with imports.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "premiere.cli", "serve"],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            assert _answers(f"http://127.0.0.1:{port}/healthz", process)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)
    # Then it loaded no migration tool, PostgreSQL driver, HTTP client or rich text
    found = re.findall(r"^import time:.*\|\s*([\w.]+)$", imports.read_text(), re.MULTILINE)
    loaded = {name.partition(".")[0] for name in found}
    assert {"fastapi", "sqlalchemy", "uvicorn"} <= loaded
    assert loaded & {"alembic", "psycopg", "httpx", "rich"} == set()


def _answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.05)
    return False


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_entry__summary__is_the_first_sentence_of_the_commands_help(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert COMMANDS[name].summary == command.get_short_help_str(limit=1_000)


LOAD_EACH_ALONE = """
import json, os, pkgutil, importlib
import click
import premiere.cli
from premiere.cli.main import cli

def subcommands(name):
    command = cli.get_command(click.Context(cli), name)
    return sorted(command.commands) if isinstance(command, click.Group) else []

alone = {}
for name in sorted(cli.lazy_commands):  # each in a fresh copy of this process
    read, write = os.pipe()
    if os.fork() == 0:
        os.write(write, json.dumps(subcommands(name)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        alone[name] = json.loads(pipe.read())
for module in pkgutil.walk_packages(premiere.cli.__path__, "premiere.cli."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
print(json.dumps({"alone": alone, "all": {n: subcommands(n) for n in alone}}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="loads each command in a forked process")
def test_command_entry__loaded_alone__has_every_subcommand() -> None:
    # Given each command loaded alone, and each after every module of the CLI is imported
    result = subprocess.run(
        [sys.executable, "-c", LOAD_EACH_ALONE], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    # Then a group loaded alone has the subcommands other modules add to it (extended_by)
    assert found["alone"] == found["all"]


@pytest.mark.parametrize("proxy", ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"])
def test_tls_verification__behind_a_proxy__ca_bundle(
    monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    monkeypatch.setenv(proxy, "http://proxy.example:3128")
    assert tls_verification("http://127.0.0.1:8700") is True


def test_tls_verification__https_server__ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxies(monkeypatch)
    assert tls_verification("https://premiere.example") is True


def test_tls_verification__plain_http_server__verifies_yet_trusts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_proxies(monkeypatch)
    context = tls_verification("http://127.0.0.1:8700")
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert context.cert_store_stats()["x509_ca"] == 0


def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
