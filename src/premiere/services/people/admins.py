"""Someone is always left to manage people: the last admin.

Managing people, tokens and projects needs the role ``admin`` on every project (a
grant without a project). A change that would leave no active person with that grant
is refused with ``LastAdminError`` (``last_admin``): removing the last such person, or
changing their roles so that it goes. Service accounts are not people here, and a
person who is removed already does not count.

Two such changes at once (two admins removing each other) are serialised: both take
one lock before they count, so the second counts what the first left. On SQLite
writers are serialised already (``BEGIN IMMEDIATE``); on PostgreSQL the lock is an
advisory transaction lock, and the count, a statement of its own under ``READ
COMMITTED``, sees what the first committed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import LastAdminError
from premiere.services.people.permissions import ADMIN
from premiere.store import lock_for_update
from premiere.store.people import Person, RoleGrant

ADMINS_LOCK = "premiere:people:admins"


def keep_an_admin(
    session: Session, person: Person, grants: Sequence[tuple[str | None, str]] | None
) -> None:
    """Refuse to give ``person`` the ``grants`` (None: to remove them) when that leaves
    no active person with the admin role on every project."""
    if person.kind != "person" or (grants is not None and (None, ADMIN) in grants):
        return
    lock_for_update(session, ADMINS_LOCK)
    admins = set(
        session.scalars(
            select(Person.id)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(
                Person.kind == "person",
                Person.removed_at.is_(None),
                RoleGrant.project.is_(None),
                RoleGrant.role == ADMIN,
            )
        )
    )
    if admins != {person.id}:
        return
    what = "remove" if grants is None else "take the admin role on every project from"
    raise LastAdminError(
        f"cannot {what} {person.name}: they are the last person with the admin role on "
        "every project, and nobody could manage people any more; give someone else that "
        "role first",
        {"resource": "person", "key": person.id},
    )
