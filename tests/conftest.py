"""Shared fixtures: a migrated ``store`` on SQLite and, marked ``postgres``, on PostgreSQL.

PostgreSQL tests create a throw-away database on the server at
``PREMIERE_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and drop it afterwards. When the server is unreachable they are skipped, unless
``PREMIERE_TEST_REQUIRE_POSTGRES=1``, which makes that a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from premiere.services import Actor
from premiere.services.environments import create_environment
from premiere.services.projects import create_project
from premiere.store import Store, normalize_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'premiere.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


@pytest.fixture
def actor() -> Actor:
    return Actor(kind="user", id="u-1", name="Ada")


@pytest.fixture
def project(store: Store, actor: Actor) -> str:
    """Project ``demo`` with environments ``staging`` and ``production``."""
    create_project(store, actor, {"key": "demo"})
    for key in ("staging", "production"):
        create_environment(store, actor, "demo", {"key": key})
    return "demo"


def _postgres_database() -> Iterator[str]:
    admin_url = normalize_url(os.environ.get("PREMIERE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"premiere_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        if os.environ.get("PREMIERE_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL at {admin_url!r} is required but unreachable: {error}")
        pytest.skip(f"PostgreSQL at {admin_url!r} is unreachable")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
