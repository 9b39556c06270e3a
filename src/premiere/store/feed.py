"""Document versions and the change feed.

Every write that changes what an SDK would download bumps the affected
environments' ``document_version`` once and appends rows to the change feed (one per
environment and changed flag or segment, all with the new version), in the writer's
transaction. On PostgreSQL it also sends a
``NOTIFY`` on :data:`CHANGES_CHANNEL` (delivered at commit) so every replica can
wake its SDK streams; the feed itself stays the source of truth.

Within one environment, ``seq`` order is commit order: a writer holds the
environment's row lock (taken by the version bump) from before it inserts its feed
row until it commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from premiere.store.models import Change, Environment
from premiere.store.types import utc_now

CHANGES_CHANNEL = "premiere_changes"
# ``session.info`` key: the (project, environment) pairs whose document this
# transaction changed; read after commit by :mod:`premiere.store.notifications`.
PENDING_CHANGES = "premiere.pending_changes"


def record_document_change(
    session: Session,
    project: str,
    environments: Sequence[Environment],
    *,
    kind: str,
    key: str | Sequence[str],
) -> dict[str, int]:
    """Bump each environment's document version once and log the change (one feed row
    per key, all with that version: one write of several flags is one new document);
    return the new versions."""
    keys = [key] if isinstance(key, str) else list(key)
    now = utc_now()
    versions: dict[str, int] = {}
    for environment in environments:
        new_version = session.scalar(
            update(Environment)
            .where(Environment.id == environment.id)
            .values(document_version=Environment.document_version + 1)
            .returning(Environment.document_version)
            .execution_options(synchronize_session=False)
        )
        assert new_version is not None
        versions[environment.key] = new_version
        session.add_all(
            Change(
                project=project,
                environment=environment.key,
                kind=kind,
                key=one,
                document_version=new_version,
                at=now,
            )
            for one in keys
        )
    session.flush()
    session.info.setdefault(PENDING_CHANGES, set()).update((project, e) for e in versions)
    if session.get_bind().dialect.name == "postgresql":
        for environment_key, version in versions.items():
            payload = {"project": project, "environment": environment_key, "version": version}
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANGES_CHANNEL, "payload": json.dumps(payload)},
            )
    return versions


def changes_since(
    session: Session, project: str, environment: str, after_seq: int, limit: int = 500
) -> list[Change]:
    """The feed of one environment after position ``after_seq``, oldest first."""
    statement = (
        select(Change)
        .where(
            Change.project == project,
            Change.environment == environment,
            Change.seq > after_seq,
        )
        .order_by(Change.seq)
        .limit(limit)
    )
    return list(session.scalars(statement))
