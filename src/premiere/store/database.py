"""``Store``: the database engine and its transactions.

SQLite is the embedded default (WAL journal, foreign keys on, a busy timeout, and
``BEGIN IMMEDIATE`` for writes so two writers queue instead of failing). PostgreSQL
is reached through psycopg 3, with JIT compilation off; read transactions there are
``REPEATABLE READ`` so a flag document and its version come from one snapshot.

``sqlite://`` (in memory) shares one connection between all callers: it suits
single-threaded tests and experiments, not a server.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from premiere.store.migrate import upgrade_to_head
from premiere.store.notifications import COMMIT_CALLBACKS, CommitCallbacks
from premiere.store.unicode import read_json

SQLITE_BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")


def normalize_url(url: str) -> URL:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Store:
    """The handle every service takes: one engine, and transactions on it.

    What lives as long as the store lives with it, never in a module, so that two stores
    in one process share nothing: the callbacks told of its commits
    (:mod:`premiere.store.notifications`), and the objects upper layers keep per store
    (:meth:`attached`; the service layer's token cache), whose types this layer does not
    know.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.commit_callbacks = CommitCallbacks()
        self._attached: dict[type[Any], Any] = {}
        self._attached_lock = threading.Lock()

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect to ``url`` and bring its schema to the newest migration."""
        engine = _create_engine(normalize_url(url))
        if migrate:
            try:
                upgrade_to_head(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def attached(self, kind: type[T], make: Callable[[], T]) -> T:
        """This store's object of type ``kind``, made by ``make()`` on first use."""
        found = self._attached.get(kind)
        if found is None:
            with self._attached_lock:
                found = self._attached.get(kind)
                if found is None:
                    found = self._attached[kind] = make()
        return found

    def attach(self, kind: type[T], value: T) -> None:
        """Make ``value`` this store's object of type ``kind`` (replacing one made before)."""
        with self._attached_lock:
            self._attached[kind] = value

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A read-write transaction: committed when the block ends, rolled back on error."""
        with self.engine.connect() as connection:
            connection.execution_options(premiere_write=True)
            info = {COMMIT_CALLBACKS: self.commit_callbacks}
            with (
                Session(bind=connection, expire_on_commit=False, info=info) as session,
                session.begin(),
            ):
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction that sees one consistent snapshot."""
        with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                yield session


def lock_for_update(session: Session, name: str) -> None:
    """Serialise writers on ``name`` until the transaction ends.

    On PostgreSQL an advisory transaction lock; SQLite writers are serialised by
    ``BEGIN IMMEDIATE`` already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, connect_args=_postgresql_options(url))
    in_memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False},
        "json_deserializer": read_json,  # stored lone surrogates read back as U+FFFD
    }
    if in_memory:
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _postgresql_options(url: URL) -> dict[str, str]:
    """Premiere's sessions run without PostgreSQL's JIT compiler: its queries are short,
    and a plan whose estimated cost crosses ``jit_above_cost`` (an aggregate over a
    year of deployments, say) would spend far longer compiling than running. Options
    given in the URL (``?options=...``) are kept."""
    given = url.query.get("options")
    given = given if isinstance(given, str) else " ".join(given or ())
    return {"options": f"{given} -c jit=off".strip()}


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    # pysqlite's own transaction handling does not BEGIN before DDL and cannot
    # BEGIN IMMEDIATE; switch it off and emit BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                _enable_wal(cursor)
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("premiere_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _enable_wal(cursor: Any) -> None:
    """Put the database file in WAL mode (it stays so), waiting out other connections.

    Changing the journal mode needs the database to itself, and SQLite answers
    "database is locked" at once rather than calling the busy handler, so replicas or
    threads opening a new file together retry here until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
