"""Optimistic concurrency: compare-and-set on a row's ``version`` column."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from premiere.errors import VersionConflictError, VersionRequiredError
from premiere.store.types import utc_now


class Versioned(Protocol):
    id: Any
    version: Any


def require_version(expected_version: int | None, resource: str, key: str) -> int:
    if expected_version is None:
        raise VersionRequiredError(
            f"updating {resource} {key!r} needs the version it is based on "
            "(If-Match header or 'version')",
            {"resource": resource, "key": key},
        )
    return expected_version


def require_current_version(resource: str, key: str, current: int, expected: int) -> None:
    """Fail fast when the row read is already past ``expected``.

    The compare-and-set in ``update_versioned`` still decides races; this only keeps
    the before-image of the audit event equal to the state that is replaced.
    """
    if current != expected:
        raise VersionConflictError(resource, key, expected, current)


def update_versioned(
    session: Session,
    model: type[Versioned],
    row_id: int,
    expected_version: int,
    values: dict[str, Any],
    *,
    resource: str,
    key: str,
) -> int:
    """``UPDATE ... SET version = version + 1 WHERE id = :id AND version = :expected``.

    Returns the new version. When no row matched, the update was based on a stale
    version: raises ``VersionConflictError`` with the current one. The database
    decides, so two writers racing on one version can never both win.
    """
    version_col: InstrumentedAttribute[int] = model.version
    id_col: InstrumentedAttribute[int] = model.id
    statement = (
        update(model)
        .where(id_col == row_id, version_col == expected_version)
        .values(**values, version=version_col + 1, updated_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        current = session.scalar(select(version_col).where(id_col == row_id))
        raise VersionConflictError(resource, key, expected_version, int(current or 0))
    return expected_version + 1
