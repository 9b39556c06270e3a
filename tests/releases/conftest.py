"""Fixtures: project ``demo`` (staging, production) with services ``api`` and ``web``,
flag ``checkout`` (boolean, off everywhere), segment ``staff``, and helpers to deploy
code, to evaluate the production document with the engine, and to run an action while
another transaction is open."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from premiere import engine
from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments import ledger
from premiere.services.flags.definitions import create_flag
from premiere.services.flags.segments import create_segment
from premiere.services.sdk.documents import build_flag_document
from premiere.store import Store

SHA = "0123456789abcdef0123456789abcdef01234567"
CREATOR = Actor(kind="token", id="a" * 16, name="release-manager")
APPROVER = Actor(kind="token", id="b" * 16, name="approver-1")
APPROVER_2 = Actor(kind="token", id="c" * 16, name="approver-2")


@pytest.fixture
def demo(store: Store, project: str, actor: Actor) -> str:
    for service in ("api", "web"):
        create_service(store, actor, project, {"key": service})
    create_flag(store, actor, project, {"key": "checkout"})
    create_flag(store, actor, project, {"key": "banner"})
    create_segment(store, actor, project, {"key": "staff", "rules": [staff_rule()]})
    return project


def staff_rule() -> dict[str, Any]:
    return {"clauses": [{"attribute": "email", "op": "ends_with", "values": ["@example.com"]}]}


def deploy(
    store: Store,
    service: str = "api",
    version: str = "2.0.0",
    *,
    environment: str = "production",
    features: list[str] | None = None,
    verified: bool = True,
) -> dict[str, Any]:
    """A deployment that succeeded: verified (no checks), or, with ``verified=False``,
    reported ``succeeded`` directly so that verification was skipped."""
    actor = Actor(kind="token", id="d" * 16, name="ci")
    view, _ = ledger.record_deployment(
        store,
        actor,
        "demo",
        {
            "service": service,
            "environment": environment,
            "version": version,
            "commit_sha": SHA,
            "features": features or [],
        },
    )
    if not verified:
        data = {"status": "succeeded"}
        return ledger.change_deployment_status(store, actor, "demo", view["id"], data)
    return ledger.finish_deployment(store, actor, "demo", view["id"], {"outcome": "succeeded"})


def release_data(**more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "new-checkout",
        "name": "New checkout",
        "environment": "production",
        "features": [{"flag": "checkout", "variation": 0}],
        "plan": {
            "stages": [
                {"segment": "staff", "hold_seconds": 600},
                {"percent": 5, "hold": "PT1H"},
                {"percent": 50, "hold_seconds": 3600},
                {"percent": 100, "hold_seconds": 3600},
            ]
        },
    }
    data.update(more)
    return data


def evaluate(store: Store, flag: str, context: Mapping[str, Any]) -> Any:
    compiled = engine.compile_document(build_flag_document(store, "demo", "production"))
    return engine.evaluate(compiled, flag, dict(context), None).value


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def run_meanwhile(store: Store, action: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``action`` in another thread; return once it has finished or is known to wait
    for this thread's transaction (on SQLite it has issued its ``BEGIN IMMEDIATE``, which
    waits while another write is open; on PostgreSQL a session waits for a lock), with a
    function waiting for its outcome (result or error). The tests' assertions hold
    whichever way the race goes."""
    outcome: list[Any] = []
    begun = threading.Event()

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as error:  # the outcome is asserted by the caller
            outcome.append(error)

    thread = threading.Thread(target=run)

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == thread.ident and statement == "BEGIN IMMEDIATE":
            begun.set()

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        thread.start()
        deadline = time.monotonic() + 10
        while thread.is_alive() and not begun.is_set() and not waiting_for_lock(store):
            assert time.monotonic() < deadline, "neither done nor waiting for a lock"
            time.sleep(0.01)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)

    def result() -> Any:
        thread.join()
        return outcome[0]

    return result


def waiting_for_lock(store: Store) -> bool:
    if store.dialect != "postgresql":
        return False
    waiting = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with store.engine.connect() as connection:
        return bool(connection.execute(text(waiting)).scalar_one())
