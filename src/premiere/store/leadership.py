"""PostgreSQL session-level advisory locks, for "exactly one of many processes".

A lock taken with ``pg_try_advisory_lock`` belongs to the server session that took it:
``pg_advisory_unlock`` lets it go, and so does the end of that session (process killed,
connection lost). :class:`AdvisoryLock` therefore holds it on a dedicated connection,
kept out of the pool while the lock is held, and never hands a connection that may still
hold the lock back to the pool. The scheduler (:mod:`premiere.scheduler.leadership`)
decides when to take and give up its lock; this module only speaks to the database.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError


class AdvisoryLock:
    """``pg_try_advisory_lock(key)`` on a dedicated connection kept while held."""

    def __init__(self, engine: Engine, key: int) -> None:
        self.engine = engine
        self.key = key
        self.connection: Connection | None = None

    @property
    def held(self) -> bool:
        """True while this side holds the lock, as far as it knows (see :meth:`alive`)."""
        return self.connection is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free (without waiting); True when taken. False when
        another session holds it, or the database cannot be reached."""
        if self.connection is not None:
            return True
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
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
        return True

    def alive(self) -> bool:
        """True when the connection holding the lock still answers (so the lock is held)."""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self.connection.close()
        except DBAPIError:
            self.discard()
        self.connection = None

    def discard(self) -> None:
        """Drop the connection without unlocking (it is lost, or may be): closing the
        session is what frees the lock."""
        if self.connection is not None:
            self.connection.invalidate()
            self.connection.close()
        self.connection = None

    @property
    def backend_pid(self) -> int | None:
        """The holding connection's server process id (for operators and tests)."""
        if self.connection is None:
            return None
        return int(self.connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
