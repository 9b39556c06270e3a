"""Flags locked by a release in flight.

While a release is ``rolling_out`` or ``paused`` in an environment, it owns the
configuration of each of its flags there: every stage rewrites it from the snapshot
taken at the start, and a roll back restores that snapshot. A change made meanwhile
by anyone else (a person, a token, a scheduled change) would be overwritten by the
next stage or mix into what the roll back restores, so it is refused with
``flag_locked_by_release``. Turning the flag off is refused too: the kill switch of a
flag in a release is the release's roll back, which puts every flag of the release
back as it was, in one transaction. A pause does not unlock; the flag is free again
once the release is rolled back or released.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import FlagLockedError
from premiere.services import Actor
from premiere.services.lookups import get_project_row
from premiere.store import Store
from premiere.store.models import Project
from premiere.store.releases import Release

LOCKING = ("rolling_out", "paused")
"""The states in which a release locks its flags."""

UNLOCK_HINT = "roll the release back (the kill switch) or let it finish; a pause does not unlock"


class FlagLock(TypedDict):
    release: str
    name: str
    state: str
    environment: str


def locking_release(
    session: Session, project: Project, flag: str, environment: str
) -> FlagLock | None:
    """The release in flight that controls ``flag`` in ``environment``, if any."""
    rows = session.scalars(
        select(Release).where(
            Release.project_id == project.id,
            Release.environment == environment,
            Release.state.in_(LOCKING),
        )
    )
    for row in rows:
        if any(feature.get("flag") == flag for feature in row.spec["features"]):
            return _lock(row)
    return None


def reject_locked_flag(
    session: Session, actor: Actor, project: Project, flag: str, environment: str
) -> None:
    """Raise ``flag_locked_by_release`` unless ``actor`` is the release that locks
    ``flag`` in ``environment`` (or no release does)."""
    lock = locking_release(session, project, flag, environment)
    if lock is None or (actor.kind == "release" and actor.id == lock["release"]):
        return
    state = lock["state"].replace("_", " ")
    raise FlagLockedError(
        f"flag {flag!r} is locked in {environment!r} by release {lock['release']!r} "
        f"({state}): change it through the release, or {UNLOCK_HINT}",
        {
            "resource": "flag_config",
            "key": f"{flag}/{environment}",
            "flag": flag,
            "environment": environment,
            "release": lock["release"],
            "state": lock["state"],
            "unlock": UNLOCK_HINT,
        },
    )


def list_flag_locks(store: Store, project: str, flag: str) -> dict[str, FlagLock]:
    """The releases in flight that lock ``flag``, by environment."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.scalars(
            select(Release).where(Release.project_id == project_row.id, Release.state.in_(LOCKING))
        )
        return {lock["environment"]: lock for lock in _locks(rows, flag)}


def _locks(rows: Iterable[Release], flag: str) -> Iterable[FlagLock]:
    for row in rows:
        if any(feature.get("flag") == flag for feature in row.spec["features"]):
            yield _lock(row)


def _lock(row: Release) -> FlagLock:
    return {
        "release": row.key,
        "name": row.name,
        "state": row.state,
        "environment": row.environment,
    }
