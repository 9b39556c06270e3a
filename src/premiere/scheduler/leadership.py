"""Who may tick: exactly one scheduler at a time per database.

- PostgreSQL: a session-level ``pg_try_advisory_lock`` held on a dedicated connection
  while leading. A leader that dies (process killed, connection lost) loses the lock
  with its connection; another scheduler takes it on its next attempt.
- SQLite file: an exclusive ``flock`` on ``<database>.scheduler.lock`` beside the
  database file, released by the operating system when the process ends. (Writes are
  serialised by SQLite anyway; the lock keeps two processes from both ticking.)
- SQLite in memory: one process by definition; always leads.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from premiere.store import Store

log = logging.getLogger("premiere.scheduler")

ADVISORY_LOCK_KEY = 0x5052454D49455245 & 0x7FFFFFFFFFFFFFFF  # "PREMIERE", as a bigint
"""The PostgreSQL advisory lock key (one per database)."""


class Leadership(Protocol):
    def acquire(self) -> bool:
        """True when this scheduler leads now (taking the lead if it is free)."""

    def release(self) -> None:
        """Give up the lead (idempotent)."""


def leadership_for(store: Store) -> Leadership:
    """The leadership that fits the store's database."""
    if store.dialect == "postgresql":
        return PostgresLeadership(store)
    database = store.engine.url.database
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        return FileLeadership(f"{database}.scheduler.lock")
    return AlwaysLeader()


class AlwaysLeader:
    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


class PostgresLeadership:
    """``pg_try_advisory_lock`` on a dedicated connection kept while leading."""

    def __init__(self, store: Store, key: int = ADVISORY_LOCK_KEY) -> None:
        self.store = store
        self.key = key
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        if self.connection is not None:
            if self._alive(self.connection):
                return True
            log.warning("scheduler lost its database connection; no longer leading")
            self._discard()
        connection = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            held = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
                ).scalar()
            )
        except DBAPIError:
            connection.invalidate()
            connection.close()
            return False
        if not held:
            connection.close()
            return False
        self.connection = connection
        log.info("scheduler leads (PostgreSQL advisory lock %d)", self.key)
        return True

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self.connection.close()
        except DBAPIError:
            self._discard()
        self.connection = None

    @property
    def backend_pid(self) -> int | None:
        """The leading connection's server process id (for operators and tests)."""
        if self.connection is None:
            return None
        return int(self.connection.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def _alive(self, connection: Connection) -> bool:
        try:
            connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def _discard(self) -> None:
        # Never hand a connection that may still hold the lock back to the pool.
        if self.connection is not None:
            self.connection.invalidate()
            self.connection.close()
        self.connection = None


class FileLeadership:
    """An exclusive, non-blocking ``flock`` held while leading."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        if self.fd is not None:
            return True
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: rely on SQLite's write lock
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        log.info("scheduler leads (lock file %s)", self.path)
        return True

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        _unlock(fd)
        os.close(fd)


def _unlock(fd: int) -> Any:
    import fcntl

    return fcntl.flock(fd, fcntl.LOCK_UN)
