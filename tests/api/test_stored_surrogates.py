"""Lone surrogates stored before they were refused (SQLite's JSON columns could hold
them) read back as U+FFFD everywhere, and migration 0009 rewrites them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.migrate import alembic_config

from .support import Api, running

SEGMENT = {
    "key": "beta",
    "rules": [{"clauses": [{"attribute": "country", "op": "in", "values": ["XX"]}]}],
}


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'premiere.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def api(sqlite_store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(sqlite_store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://")
    with running(create_app(settings, sqlite_store)) as client:
        yield Api(client, sqlite_store, admin_token)


def plant_lone_surrogates(store: Store) -> None:
    """What an older version stored: the escape ``\\ud800`` in a segment and its audit event."""
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE segments SET rules = replace(rules, 'XX', '\\ud800')"))
        columns = [
            c["name"] for c in inspect(connection).get_columns("audit_events") if c["name"] != "id"
        ]
        names = ", ".join(columns)
        values = ", ".join(
            "replace(after, 'XX', '\\ud800')" if name == "after" else name for name in columns
        )
        connection.execute(
            text(
                f"INSERT INTO audit_events ({names}) SELECT {values} FROM audit_events"
                " WHERE resource_type = 'segment'"
            )
        )


def stored_rules(store: Store) -> str:
    with store.engine.connect() as connection:
        return str(connection.execute(text("SELECT rules FROM segments")).scalar_one())


def test_stored_lone_surrogate__every_reader__answers_with_replacement_character(
    api: Api,
) -> None:
    api.project("demo", ("production",))
    api.ok(api.post("/api/v1/projects/demo/segments", SEGMENT), 201)
    plant_lone_surrogates(api.store)
    sdk_token = api.token("sdk-server", "demo", "production")

    segment = api.ok(api.get("/api/v1/projects/demo/segments/beta"))
    document = api.ok(api.get("/api/v1/sdk/flags", token=sdk_token))
    audit = api.ok(api.get("/api/v1/audit?resource_type=segment"))

    assert "\\ud800" in stored_rules(api.store)
    assert segment["rules"][0]["clauses"][0]["values"] == ["\ufffd"]
    assert document["segments"]["beta"]["rules"][0]["clauses"][0]["values"] == ["\ufffd"]
    assert [e["after"]["rules"][0]["clauses"][0]["values"] for e in audit["items"]] == [
        ["\ufffd"],
        ["XX"],
    ]


def test_migration_0009__stored_lone_surrogate__rewritten_as_replacement_character(
    api: Api,
) -> None:
    api.project("demo", ("production",))
    api.ok(api.post("/api/v1/projects/demo/segments", SEGMENT), 201)
    plant_lone_surrogates(api.store)

    with api.store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007")
        command.upgrade(alembic_config(connection), "head")

    assert "\\ud800" not in stored_rules(api.store)
    assert "\\ufffd" in stored_rules(api.store)
    segment = api.ok(api.get("/api/v1/projects/demo/segments/beta"))
    assert segment["rules"][0]["clauses"][0]["values"] == ["\ufffd"]
