"""Every operation of the app's own OpenAPI document, driven by schemathesis.

Requests are generated from ``/openapi.json`` and sent to the real app over the demo
project ("Acme Shop", ``premiere demo``), with path parameters naming its resources
so that requests reach them rather than only 404s. Every answer must be no server
error and must match the documented schema. Generation is deterministic (derandomized)
and small per operation, so the run is repeatable and bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance

from premiere.api import create_app
from premiere.cli.server.demo import demo_actor, seed_demo
from premiere.services.flags import scheduled_changes
from premiere.services.people import tokens
from premiere.services.releases import schedules
from premiere.services.releases.tick import record_guard_decision
from premiere.settings import Settings
from premiere.store import Store
from tests.conftest import _postgres_database

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 12
PARAMETERS = {
    "path.project": "demo",
    "path.environment": "production",
    "path.service": "api",
    "path.flag": "new-checkout",
    "path.key": "dark-mode",
    "path.segment": "staff",
    "path.release": "recommendations-v2",
    "path.train": "weekly",
    "path.deployment": "1",
    "path.change_id": 1,
    "path.window_id": 1,
}


APP = create_app(Settings(database_url="unused://"))
CONFIG = SchemathesisConfig.from_dict(
    {
        "parameters": PARAMETERS,
        "max-stream-events": 1,  # the SDK stream: its first event (the flag document)
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
    }
)
schema = schemathesis.openapi.from_dict(APP.openapi(), config=CONFIG)
schema.app = APP
schema.location = "/openapi.json"


class Demo:
    """The demo project in a fresh SQLite database, and tokens to reach it."""

    def __init__(self, store: Store) -> None:
        seed_demo(store)
        admin = tokens.ensure_admin_token(store, None)
        assert admin is not None
        self.admin = admin
        sdk = tokens.create_token(
            store,
            demo_actor(),
            {"name": "sdk", "scope": "sdk-server", "project": "demo", "environment": "production"},
        )
        self.sdk = str(sdk["token"])
        _seed_scheduling(store)

    def token_for(self, path: str) -> str:
        return self.sdk if path.startswith(("/ofrep/", "/api/v1/sdk")) else self.admin


def _seed_scheduling(store: Store) -> None:
    """The resources the pinned path parameters name that the demo has not: release
    train ``weekly``, scheduled change 1, freeze window 1, and a guard decision."""
    actor, later = demo_actor(), datetime.now(UTC) + timedelta(days=30)
    cadence = {"weekday": "monday", "time": "09:00", "anchor": "2026-01-05"}
    schedules.create_release_train(store, actor, "demo", {"key": "weekly", "cadence": cadence})
    change = {"flag": "new-checkout", "environment": "production", "patch": {"on": True}}
    scheduled_changes.create_scheduled_change(
        store, actor, "demo", {**change, "at": later.isoformat()}
    )
    window = {"environment": "production", "start": later.isoformat()}
    end = (later + timedelta(hours=2)).isoformat()
    schedules.create_freeze_window(store, actor, "demo", {**window, "end": end})
    record_guard_decision(store, "demo", "recommendations-v2", {"status": "healthy"})


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The app serves the demo project; its lifespan (started by schemathesis on the
    first request) is shut down before the store is closed."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'p.db'}"])
    else:
        urls = _postgres_database()
    url = next(urls)
    store = Store.open(url)
    APP.state.store = store
    try:
        yield Demo(store)
    finally:
        shutdown_lifespans()
        APP.state.store = None
        store.close()
        next(urls, None)  # drops the PostgreSQL database


@schema.parametrize()
def test_openapi__every_operation__no_server_error_and_documented_answers(
    case: Any, demo: Demo
) -> None:
    headers = {"Authorization": f"Bearer {demo.token_for(case.path)}"}
    case.call_and_validate(
        headers=headers, checks=[not_a_server_error, response_schema_conformance]
    )
