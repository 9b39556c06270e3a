"""A migrated PostgreSQL database that a test session reuses, made new for each test.

Creating a database on PostgreSQL (even from a template) and dropping it take the better
part of a second each; deleting the few rows a test wrote takes a few milliseconds. So a
session copies its migrated template once, and before each test :meth:`fresh` ends every
other connection to the copy (as ``DROP DATABASE ... WITH (FORCE)`` would), deletes every
row but the migration revision, restarts every sequence, and compares the schema with the
template's: should a test have changed it, the copy is dropped and a new one made.

A session may also keep the rows of the copy in a given state (:meth:`rows`: each table's
as ``COPY`` writes them, and each sequence's position) and have :meth:`fresh` write them
back after emptying it: tests then start from data that took long to make.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    import psycopg

# Everything of the public schema a test could change: columns with their types and
# defaults, indexes, constraints, triggers (and whether they are enabled), functions,
# and the migration revision.
SCHEMA = """
SELECT md5(string_agg(item, E'\\n' ORDER BY item)) FROM (
  SELECT format('column %s.%s %s %s %s', c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT format('constraint %s %s', k.conname, pg_get_constraintdef(k.oid))
    FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
   WHERE n.nspname = 'public'
  UNION ALL
  SELECT format('trigger %s %s', t.tgenabled, pg_get_triggerdef(t.oid))
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL
  SELECT format('function %s %s', p.proname, md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = 'public'
  UNION ALL
  SELECT format('revision %s', version_num) FROM alembic_version
) AS schema (item)
"""
OTHERS = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
"""
TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
STILL_THERE = """
SELECT count(*) FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass(frozen=True)
class Rows:
    """The rows of every table (in ``COPY``'s binary format) and the sequences' positions."""

    tables: dict[str, bytes]
    sequences: dict[str, tuple[int, bool]]


class MigratedPostgres:
    """Copies of the migrated database ``template``, one at a time, made new by :meth:`fresh`.

    ``create(template)`` creates a copy and yields its URL; ``tests/conftest.py`` passes
    the function that also drops it afterwards.
    """

    def __init__(
        self, template: str, create: Callable[[str], contextlib.AbstractContextManager[str]]
    ) -> None:
        self._template = template
        self._create = create
        self._stack = contextlib.ExitStack()
        self._engine: Engine | None = None
        self._schema = ""
        self._tables: list[str] = []
        self._sequences: list[str] = []

    def fresh(self, rows: Rows | None = None) -> str:
        """The URL of the copy, as the template was: no rows, sequences at their start;
        or, given ``rows``, holding them."""
        if self._engine is None:
            self._copy()
        assert self._engine is not None
        with self._engine.connect() as connection:
            _end_other_connections(connection)
            changed = _schema(connection) != self._schema
            connection.commit()
            if not changed:
                self._empty(connection)
        if changed:
            self._drop()
            self._copy()
            assert self._engine is not None
        if rows is not None:
            self._write(rows)
        return self._engine.url.render_as_string(hide_password=False)

    def rows(self) -> Rows:
        """The rows the copy holds now."""
        assert self._engine is not None
        with self._engine.connect() as connection, _cursor(connection) as cursor:
            tables = {}
            for table in self._tables:
                with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                    tables[table] = b"".join(bytes(block) for block in copy)
            sequences = {}
            for sequence in self._sequences:
                cursor.execute(f'SELECT last_value, is_called FROM "{sequence}"')
                found = cursor.fetchone()
                assert found is not None
                sequences[sequence] = (int(found[0]), bool(found[1]))
            connection.commit()
        return Rows(tables, sequences)

    def _write(self, rows: Rows) -> None:
        assert self._engine is not None
        with (
            self._engine.connect() as connection,
            connection.begin(),
            _cursor(connection) as cursor,
        ):
            # As in _empty: neither foreign keys nor triggers fire as a replica.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table, data in rows.tables.items():
                with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(data)
            for sequence, (value, called) in rows.sequences.items():
                cursor.execute("SELECT setval(%s, %s, %s)", (f'"{sequence}"', value, called))

    def _copy(self) -> None:
        url = self._stack.enter_context(self._create(self._template))
        self._engine = create_engine(url, poolclass=NullPool)
        with self._engine.connect() as connection:
            self._schema = _schema(connection)
            self._tables = _names(connection, TABLES)
            self._sequences = _names(connection, SEQUENCES)

    def _empty(self, connection: Connection) -> None:
        with connection.begin():
            # Neither foreign keys nor the audit log's append-only triggers fire as a replica.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in self._tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
            for sequence in self._sequences:
                connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))

    def _drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._stack.close()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> MigratedPostgres:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._drop()


@contextlib.contextmanager
def _cursor(connection: Connection) -> Iterator[psycopg.Cursor[Any]]:
    """A cursor of the driver (psycopg) on ``connection``, for ``COPY``."""
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        yield cursor


def _names(connection: Connection, query: str) -> list[str]:
    return [str(name) for name in connection.execute(text(query)).scalars()]


def _schema(connection: Connection) -> str:
    return str(connection.execute(text(SCHEMA)).scalar_one())


def _end_other_connections(connection: Connection) -> None:
    """End the connections a test left open, and wait until they are gone (their locks
    with them). Each look is a transaction of its own: one sees a single snapshot."""
    connection.execute(text(OTHERS))
    connection.commit()
    deadline = time.monotonic() + 10
    while connection.execute(text(STILL_THERE)).scalar_one() > 0:
        connection.commit()
        assert time.monotonic() < deadline, "connections left by a test did not end in 10 s"
        time.sleep(0.01)
    connection.commit()
