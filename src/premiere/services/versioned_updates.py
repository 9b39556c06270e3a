"""One versioned, audited edit of a row: compare-and-set on its version, the view
before and after in the audit event (``<resource>.updated``), in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.store.concurrency import require_current_version, update_versioned

Row = TypeVar("Row", bound=Any)
View = TypeVar("View", bound=Mapping[str, Any])


def update_audited(
    session: Session,
    actor: Actor,
    row: Row,
    expected: int,
    changes: Mapping[str, Any],
    action: str,
    view: Callable[[Row], View],
    *,
    project: str,
    environment: str | None = None,
    then: Callable[[], object] | None = None,
) -> View:
    """Write ``changes`` to ``row`` if it is still at ``expected``; ``then`` runs after
    the write, before the after-view. Returns the view after."""
    resource = action.removesuffix(".updated")
    require_current_version(resource, row.key, row.version, expected)
    before = view(row)
    update_versioned(
        session, type(row), row.id, expected, dict(changes), resource=resource, key=row.key
    )
    session.refresh(row)
    if then is not None:
        then()
    after = view(row)
    record_audit_event(
        session,
        actor,
        action,
        project=project,
        resource_type=resource,
        resource_key=row.key,
        environment=environment,
        before=before,
        after=after,
    )
    return after
