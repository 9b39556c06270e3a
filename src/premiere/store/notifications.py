"""Learning that the change feed grew, without polling it hard.

Two mechanisms, one per backend:

- **In-process signal** (every backend): :func:`premiere.store.feed.record_document_change`
  notes the changed environments in ``session.info``; when that session commits, the
  callbacks registered with :func:`on_changes_committed` for that session's
  :class:`~premiere.store.Store` are called (in the committing thread) with those
  ``(project, environment)`` pairs. Each store owns its :class:`CommitCallbacks`, so two
  stores in one process never hear each other's commits. Only writers in this process
  are seen; another process writing the same SQLite file is found by polling the feed.
- **PostgreSQL LISTEN/NOTIFY**: the writer's ``pg_notify`` on
  :data:`~premiere.store.feed.CHANGES_CHANNEL` is delivered at commit to every
  connection listening, on every replica. :func:`listen_for_changes` yields those
  notifications from one dedicated asynchronous psycopg connection.

The feed itself stays the source of truth: a notification only says "look again".
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from sqlalchemy import event, func, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, SessionTransaction

from premiere.store.feed import CHANGES_CHANNEL, PENDING_CHANGES
from premiere.store.models import Change, Environment, Project

if TYPE_CHECKING:
    from premiere.store.database import Store

ChangedEnvironments = frozenset[tuple[str, str]]
CommitCallback = Callable[[ChangedEnvironments], None]
COMMIT_CALLBACKS = "premiere.commit_callbacks"
"""The ``session.info`` key of the :class:`CommitCallbacks` of the session's store."""


class CommitCallbacks:
    """The callbacks of one store, called after each of its commits that changed a flag
    document."""

    def __init__(self) -> None:
        self._callbacks: set[CommitCallback] = set()
        self._lock = threading.Lock()

    def add(self, callback: CommitCallback) -> Callable[[], None]:
        with self._lock:
            self._callbacks.add(callback)

        def unregister() -> None:
            with self._lock:
                self._callbacks.discard(callback)

        return unregister

    def announce(self, changed: ChangedEnvironments) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback(changed)


def on_changes_committed(store: Store, callback: CommitCallback) -> Callable[[], None]:
    """Call ``callback(changed)`` after every commit through ``store`` that changed a
    flag document; returns the function that unregisters it. ``callback`` must be quick
    and thread-safe (it runs in the writer's thread, after the commit)."""
    return store.commit_callbacks.add(callback)


@event.listens_for(Session, "after_commit")
def _announce_committed_changes(session: Session) -> None:
    changed = session.info.pop(PENDING_CHANGES, None)
    callbacks = session.info.get(COMMIT_CALLBACKS)
    if changed and isinstance(callbacks, CommitCallbacks):
        callbacks.announce(frozenset(changed))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_changes(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(PENDING_CHANGES, None)


async def listen_for_changes(url: URL) -> AsyncIterator[tuple[str, str]]:
    """Yield the ``(project, environment)`` of each change notification sent on
    PostgreSQL at ``url``; returns (or raises) when the connection is lost."""
    import psycopg  # PostgreSQL only: a server on SQLite never loads the driver

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
    async with connection:
        await connection.execute(f"LISTEN {CHANGES_CHANNEL}")
        async for notification in connection.notifies():
            try:
                payload = json.loads(notification.payload)
            except ValueError:
                continue
            if isinstance(payload, dict):
                yield str(payload.get("project")), str(payload.get("environment"))


def latest_feed_position(session: Session, project: str, environment: str) -> int:
    """The ``seq`` of the newest feed row of one environment (0 if none)."""
    statement = select(func.max(Change.seq)).where(
        Change.project == project, Change.environment == environment
    )
    return int(session.scalar(statement) or 0)


def document_versions(session: Session) -> dict[tuple[str, str], int]:
    """Every environment's document version, by ``(project, environment)``: one query,
    for pollers that compare it with what they last saw."""
    statement = select(Project.key, Environment.key, Environment.document_version).join(
        Project, Project.id == Environment.project_id
    )
    return {(p, e): v for p, e, v in session.execute(statement)}
