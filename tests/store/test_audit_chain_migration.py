"""Migration 0011: existing audit events are chained in id order, per project."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.audit_chain import list_audit_chain_heads, verify_audit_chains
from premiere.services.flags.definitions import create_flag
from premiere.services.projects import create_project
from premiere.store import Store
from premiere.store.audit_hash import GENESIS
from premiere.store.migrate import alembic_config, upgrade_to_head

ACTOR = Actor(kind="user", id="u-1", name="Ada")


def test_migration_0011__existing_events__chained_in_order(database_url: str) -> None:
    # Given events written before the chain existed (the schema back at 0007)
    store = Store.open(database_url)
    try:
        create_project(store, ACTOR, {"key": "demo"})
        create_flag(
            store,
            ACTOR,
            "demo",
            {"key": "a", "kind": "number", "variations": [{"value": 1.0}, {"value": 1e16}]},
        )
        create_project(store, ACTOR, {"key": "other"})
        create_flag(store, ACTOR, "demo", {"key": "b"})
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0010")
        # When the schema is upgraded again
        upgrade_to_head(store.engine)

        # Then every chain verifies, in id order, and the heads name the newest events
        report = verify_audit_chains(store)
        assert report["ok"] is True, report
        assert {c["project"]: c["events"] for c in report["chains"]} == {"demo": 3, "other": 1}
        demo = list(reversed(list_audit_events(store, project="demo")["items"]))
        assert demo[0]["prev_hash"] == GENESIS
        assert [e["prev_hash"] for e in demo[1:]] == [e["hash"] for e in demo[:-1]]
        (head,) = list_audit_chain_heads(store, project="demo")["items"]
        assert (head["event_id"], head["hash"]) == (demo[-1]["id"], demo[-1]["hash"])
    finally:
        store.close()


def test_migration_0011__after_upgrade__events_still_append_only(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        create_project(store, ACTOR, {"key": "demo"})
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0010")
        upgrade_to_head(store.engine)

        with pytest.raises(DBAPIError, match="append-only"), store.write() as session:
            session.execute(text("UPDATE audit_events SET actor_name = 'Eve'"))
    finally:
        store.close()
