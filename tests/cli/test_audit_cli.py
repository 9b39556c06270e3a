"""`premiere audit verify` and `premiere audit head` against a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from premiere.api.app import create_app
from premiere.cli.server.demo import seed_demo
from premiere.services.people.tokens import ensure_admin_token
from premiere.settings import Settings
from premiere.store import Store

from .conftest import ADMIN_TOKEN, NO_PREMIERE_ENV, Cli, _ThreadedServer, free_port


def test_audit_verify__intact__ok_lines_and_exit_0(run: Cli) -> None:
    result = run.ok("audit", "verify", "--project", "demo")

    head = json.loads(run.ok("audit", "head", "--project", "demo").stdout)["items"][0]
    assert (
        result.stdout.strip() == f"project demo: ok, {head['events']} events, head {head['hash']}"
    )


def test_audit_head__export__verify_expect_file_ok(run: Cli, tmp_path: Path) -> None:
    exported = run.ok("audit", "head").stdout
    heads = json.loads(exported)["items"]
    assert {"project", "event_id", "hash", "at", "events"} <= set(heads[0])
    (tmp_path / "head.json").write_text(exported)

    result = run.ok("audit", "verify", "--expect", str(tmp_path / "head.json"), "--json")

    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert len(report["expected"]) == len(heads)


def test_audit_verify__expect_not_an_export__usage_error(run: Cli, tmp_path: Path) -> None:
    (tmp_path / "head.json").write_text('{"nothing": 1}')

    result = run("audit", "verify", "--expect", str(tmp_path / "head.json"))

    assert result.exit_code == 2
    assert "premiere audit head" in result.stderr


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[Store, Cli]]:
    """A server of its own (the session's is shared), with the demo project."""
    database_url = f"sqlite:///{tmp_path / 'own.db'}"
    store = Store.open(database_url)
    ensure_admin_token(store, ADMIN_TOKEN)
    seed_demo(store)
    port = free_port()
    server = _ThreadedServer(create_app(Settings(database_url=database_url), store), port)
    server.start()
    env = {"PREMIERE_URL": f"http://127.0.0.1:{port}", "PREMIERE_TOKEN": ADMIN_TOKEN}
    try:
        yield store, Cli({**NO_PREMIERE_ENV, **env})
    finally:
        server.stop()
        store.close()


def test_audit_verify__tampered__names_event_and_exits_7(
    own_server: tuple[Store, Cli], tmp_path: Path
) -> None:
    store, run = own_server
    exported = run.ok("audit", "head", "--project", "demo").stdout
    (tmp_path / "head.json").write_text(exported)
    with store.write() as session:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        target = session.scalar(text("SELECT min(id) + 2 FROM audit_events WHERE project = 'demo'"))
        session.execute(
            text("UPDATE audit_events SET actor_name = 'Eve' WHERE id = :id"), {"id": target}
        )

    result = run("audit", "verify", "--expect", str(tmp_path / "head.json"))

    assert result.exit_code == 7
    assert f"project demo: BROKEN at event {target}: its fields no longer match" in result.stdout
    assert f"event {target}" in result.stderr
