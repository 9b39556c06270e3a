"""Shared fixtures: a migrated ``store`` on SQLite and, marked ``postgres``, on PostgreSQL.

PostgreSQL tests create a throw-away database on the server at
``PREMIERE_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and drop it afterwards. When the server is unreachable they are skipped, unless
``PREMIERE_TEST_REQUIRE_POSTGRES=1``, which makes that a failure.

Migrating takes longer than most tests, so it runs once per backend and test session.
A test that uses ``store`` on SQLite gets a copy of a migrated file. On PostgreSQL, where
creating and dropping a database takes longer still, the session keeps one migrated
database and hands it to each such test as new: other connections to it ended, every
row deleted, every sequence restarted, and replaced by a fresh copy should a test have
changed its schema. ``Store.open`` finds either at the head revision. A test that asks
for ``database_url`` without ``store`` gets an empty database of its own.

Seeding the demo project takes seconds, and hundreds of tests start from it: a test that
uses ``demo_store`` gets, in the same way, a copy of a migrated database holding an admin
token (``demo_store.admin_token``) and then the demo project, seeded once per session (on
PostgreSQL its rows are kept and written back into the made-new database).

Passwords are hashed with Argon2id at cheap parameters in the tests' process (see
``pytest_configure``): at the production ones each hash or check takes a tenth of a
second or more, and the tests set and check thousands. tests/people/test_passwords.py
checks the production parameters.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from premiere.cli.server.demo import seed_demo
from premiere.services import Actor
from premiere.services.environments import create_environment
from premiere.services.people import passwords, tokens
from premiere.services.projects import create_project
from premiere.store import Store, normalize_url
from tests.postgres import MigratedPostgres, Rows

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PRODUCTION_HASHER, PRODUCTION_DUMMY = passwords._HASHER, passwords._DUMMY
"""The hasher Premiere uses, and its hash for unknown accounts: tests/people/test_passwords.py
checks them."""
DEMO_ADMIN_TOKEN = f"{tokens.PREFIX}{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"
"""The admin token of ``demo_store``: one as ``tokens.ensure_admin_token`` makes."""
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Argon2id still (the same code paths, hashes and checks), at its smallest cost."""


def pytest_configure(config: pytest.Config) -> None:
    """Passwords hashed cheaply in the tests: before any test module is imported, as
    some hash a password when imported."""
    passwords._HASHER = CHEAP_HASHER
    passwords._DUMMY = CHEAP_HASHER.hash("a password nobody has")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database for this test alone: a SQLite file, or a PostgreSQL database. Empty,
    unless the test uses ``store``: then migrated (a copy of the session's migrated SQLite
    file, or the session's migrated PostgreSQL database made new)."""
    migrated = "store" in request.fixturenames
    seeded = "demo_store" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "premiere.db"
        if migrated:
            template = "_sqlite_demo" if seeded else "_sqlite_template"
            shutil.copyfile(request.getfixturevalue(template), path)
        yield f"sqlite:///{path}"
    elif migrated:
        rows = request.getfixturevalue("_postgres_demo") if seeded else None
        yield request.getfixturevalue("_postgres_migrated").fresh(rows)
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head revision, copied by each test that uses it."""
    path = tmp_path_factory.mktemp("template") / "premiere.db"
    Store.open(f"sqlite:///{path}").close()  # the last connection's close empties the WAL
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[MigratedPostgres]:
    """The session's migrated PostgreSQL database, made new for each test that uses it."""
    with contextmanager(_postgres_database)() as template_url:
        Store.open(template_url).close()  # nobody stays connected: it can be copied
        template = make_url(template_url).database
        assert template is not None
        with MigratedPostgres(template, contextmanager(_postgres_database)) as migrated:
            yield migrated


@pytest.fixture(scope="session")
def _sqlite_demo(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the migrated SQLite file holding the demo (``demo_store``)."""
    path = tmp_path_factory.mktemp("demo") / "premiere.db"
    shutil.copyfile(_sqlite_template, path)
    _seed_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_demo(_postgres_migrated: MigratedPostgres) -> Rows:
    """The rows of the session's PostgreSQL database holding the demo (``demo_store``)."""
    _seed_demo(_postgres_migrated.fresh())
    return _postgres_migrated.rows()


def _seed_demo(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        assert tokens.ensure_admin_token(store, DEMO_ADMIN_TOKEN) is None
        assert seed_demo(store) is not None
    finally:
        store.close()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


@dataclass(frozen=True)
class DemoStore:
    store: Store
    admin_token: str


@pytest.fixture
def demo_store(store: Store) -> DemoStore:
    """``store`` holding an admin token (``admin_token``), then the demo project, as
    ``tokens.ensure_admin_token`` and ``seed_demo`` make them one after the other."""
    return DemoStore(store, DEMO_ADMIN_TOKEN)


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


def _postgres_database(template: str | None = None) -> Iterator[str]:
    """Create a database (a copy of ``template``, if given), yield its URL, then drop it."""
    admin_url = normalize_url(os.environ.get("PREMIERE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"premiere_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
            # A test's database outlives no crash of the server: its commits need not
            # wait for the disk (a few milliseconds each on a busy machine).
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
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
