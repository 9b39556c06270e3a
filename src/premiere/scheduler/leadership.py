"""Who may tick: exactly one scheduler at a time per database.

- PostgreSQL: a session-level ``pg_try_advisory_lock`` held on a dedicated connection
  while leading (the SQL is :mod:`premiere.store.leadership`). A leader that dies
  (process killed, connection lost) loses the lock with its connection; another
  scheduler takes it on its next attempt.
- SQLite file: an exclusive ``flock`` on ``<database>.scheduler.lock`` beside the
  database file, removed by the leader when it stops; the operating system releases
  the lock if the process dies (the file then stays, harmlessly). (Writes are
  serialised by SQLite anyway; the lock keeps two processes from both ticking.)
- SQLite in memory: one process by definition; always leads.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

from premiere.store import Store
from premiere.store.leadership import AdvisoryLock

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
    """A PostgreSQL advisory lock (:class:`premiere.store.leadership.AdvisoryLock`) held
    while leading, on a connection checked at every attempt."""

    def __init__(self, store: Store, key: int = ADVISORY_LOCK_KEY) -> None:
        self.store = store
        self.key = key
        self.lock = AdvisoryLock(store.engine, key)

    def acquire(self) -> bool:
        if self.lock.held:
            if self.lock.alive():
                return True
            log.warning("scheduler lost its database connection; no longer leading")
            self.lock.discard()
        if not self.lock.try_acquire():
            return False
        log.info("scheduler leads (PostgreSQL advisory lock %d)", self.key)
        return True

    def release(self) -> None:
        self.lock.release()

    @property
    def backend_pid(self) -> int | None:
        """The leading connection's server process id (for operators and tests)."""
        return self.lock.backend_pid


class FileLeadership:
    """An exclusive, non-blocking ``flock`` held while leading; the leader removes the
    file when it stops leading (a killed leader leaves it, harmlessly: the lock went
    with the process)."""

    ATTEMPTS = 3
    """How often :meth:`acquire` tries again when the file it locked was removed or
    replaced meanwhile (by a leader stopping just then)."""

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
        for _ in range(self.ATTEMPTS):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            if self._is_at_path(fd):
                self.fd = fd
                log.info("scheduler leads (lock file %s)", self.path)
                return True
            # Locked a file a stopping leader had removed: the lock is the one at the path.
            os.close(fd)
        return False

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            if self._is_at_path(fd):  # removed while still held: no one else locked it
                os.unlink(self.path)
        except OSError as error:  # the lock goes anyway; a file left behind is harmless
            log.warning("could not remove lock file %s: %s", self.path, error)
        _unlock(fd)
        os.close(fd)

    def _open(self) -> int:
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    def _is_at_path(self, fd: int) -> bool:
        """True when ``fd`` is the file at :attr:`path` (not one removed or replaced)."""
        try:
            at_path = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (at_path.st_dev, at_path.st_ino)


def _unlock(fd: int) -> Any:
    import fcntl

    return fcntl.flock(fd, fcntl.LOCK_UN)
