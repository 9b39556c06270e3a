from __future__ import annotations

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from premiere.errors import InvalidStateError
from premiere.store import Store, normalize_url
from premiere.store.migrate import alembic_config, head_revision
from premiere.store.models import Base

TABLES = {
    "projects",
    "environments",
    "services",
    "flags",
    "flag_configs",
    "segments",
    "audit_events",
    "api_tokens",
    "changes",
    "alembic_version",
}


def test_store_open__empty_database__migrated_to_head(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        assert set(inspect(store.engine).get_table_names()) >= TABLES
        with store.read() as session:
            version = session.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == head_revision()
    finally:
        store.close()


def test_store_open__reopened__idempotent(database_url: str) -> None:
    Store.open(database_url).close()

    with Store.open(database_url) as store, store.read() as session:
        rows = session.execute(text("SELECT version_num FROM alembic_version")).all()

    assert rows == [(head_revision(),)]


def test_migrations__applied__match_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_normalize_url__plain_postgresql__uses_psycopg() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_store_open__sqlite__wal_and_foreign_keys(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/wal.db")
    try:
        with store.read() as session:
            assert session.scalar(text("PRAGMA journal_mode")) == "wal"
            assert session.scalar(text("PRAGMA foreign_keys")) == 1
            assert session.scalar(text("PRAGMA busy_timeout")) == 10_000
    finally:
        store.close()


def test_store_open__replicas_start_together__migrate_once(database_url: str) -> None:
    barrier = threading.Barrier(3)
    stores: list[Store] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            stores.append(Store.open(database_url))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    try:
        assert errors == []
        with stores[0].read() as session:
            rows = session.execute(text("SELECT version_num FROM alembic_version")).all()
        assert rows == [(head_revision(),)]
    finally:
        for store in stores:
            store.close()


def test_migrations__downgrade_to_base__then_upgrade_again(database_url: str) -> None:
    Store.open(database_url).close()
    store = Store.open(database_url, migrate=False)
    try:
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    finally:
        store.close()

    Store.open(database_url).close()


def test_store_open__schema_newer_than_code__invalid_state(database_url: str) -> None:
    Store.open(database_url).close()
    store = Store.open(database_url, migrate=False)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.close()

    with pytest.raises(InvalidStateError, match="9999_future"):
        Store.open(database_url)
