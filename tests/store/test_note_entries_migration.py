"""Migration 0016 (note entries): a release's spec ``notes`` becomes its first note entry, in the
state its release gives it, and leaves the spec; downgrading puts it back."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from sqlalchemy import text

from premiere.services import Actor
from premiere.services.communication.entries import list_release_notes
from premiere.services.environments import create_environment
from premiere.services.flags.definitions import create_flag
from premiere.services.projects import create_project
from premiere.services.releases import records
from premiere.store import Store
from premiere.store.migrate import alembic_config, upgrade_to_head

BEFORE = "0015"  # the revision before note entries
ACTOR = Actor(kind="user", id="u-1", name="Ada")
FEATURE = {"flag": "dark", "variation": 0}
DRAFT = {"title": "Dark mode", "body": "Easy on the **eyes**.", "category": "improved"}


def _spec(store: Store, key: str) -> dict[str, Any]:
    with store.engine.connect() as connection:
        raw = connection.execute(text("SELECT spec FROM releases WHERE key = :k"), {"k": key})
        value = raw.scalar_one()
    return dict(json.loads(value) if isinstance(value, str) else value)


def _set(store: Store, key: str, spec: dict[str, Any], state: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE releases SET spec = :s, state = :state WHERE key = :k"),
            {"s": json.dumps(spec), "state": state, "k": key},
        )


def test_migration_note_entries__spec_notes__become_first_entries(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        # Given releases written before notes were entries (the schema back before them)
        create_project(store, ACTOR, {"key": "demo"})
        _releases(store, "plain", "shipped", "silent")
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), BEFORE)
        _set(store, "plain", {**_spec(store, "plain"), "notes": DRAFT}, "draft")
        _set(store, "shipped", {**_spec(store, "shipped"), "notes": DRAFT}, "released")
        _set(store, "silent", {**_spec(store, "silent"), "notes": None}, "draft")

        # When the schema is upgraded again
        upgrade_to_head(store.engine)

        # Then each draft is its release's first note, in its release's state
        (plain,) = list_release_notes(store, "demo", "plain")
        (shipped,) = list_release_notes(store, "demo", "shipped")
        assert {k: plain[k] for k in DRAFT} == DRAFT  # type: ignore[literal-required]
        assert (plain["state"], shipped["state"]) == ("draft", "published")
        assert shipped["published_at"] is not None
        assert list_release_notes(store, "demo", "silent") == []
        assert "notes" not in _spec(store, "plain") and "notes" not in _spec(store, "silent")
        assert records.get_release(store, "demo", "plain")["notes"] == DRAFT
    finally:
        store.close()


def test_migration_note_entries__downgraded__first_entry_back_in_the_spec(
    database_url: str,
) -> None:
    store = Store.open(database_url)
    try:
        create_project(store, ACTOR, {"key": "demo"})
        _releases(store, "plain")
        records.update_release(store, ACTOR, "demo", "plain", {"notes": DRAFT}, 1)

        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), BEFORE)

        assert _spec(store, "plain")["notes"] == DRAFT
    finally:
        store.close()


def _releases(store: Store, *keys: str) -> None:
    create_environment(store, ACTOR, "demo", {"key": "production"})
    create_flag(store, ACTOR, "demo", {"key": "dark"})
    for key in keys:
        data = {"key": key, "environment": "production"}
        records.create_release(store, ACTOR, "demo", {**data, "features": [FEATURE]})
