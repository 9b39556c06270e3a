"""The permission table applied to a store: what the rule needs from the database
(the role an environment asks of those who change its flags)."""

from __future__ import annotations

from sqlalchemy import select

from premiere.services.people.permissions import (
    FLAGS_CHANGE,
    Caller,
    authorize,
    default_flag_role,
    strictest,
)
from premiere.store import Store
from premiere.store.models import Environment, Project


def flag_role(store: Store, project: str | None, environment: str | None) -> str | None:
    """The role that changes flags in ``environment`` of ``project``; without an
    environment, the strictest of the project's (a change that reaches them all). None
    when the project or environment does not exist (the request then answers 404)."""
    if project is None:
        return None
    with store.read() as session:
        query = (
            select(Environment.production, Environment.flag_role)
            .join(Project, Project.id == Environment.project_id)
            .where(Project.key == project)
        )
        if environment is not None:
            query = query.where(Environment.key == environment)
        rows = session.execute(query).all()
    if not rows:
        return None
    return strictest(role or default_flag_role(production) for production, role in rows)


def flag_roles(store: Store, project: str) -> dict[str, str]:
    """The role that changes flags in each environment of ``project``, by environment
    key (empty when the project does not exist): what a page needs to know which flag
    forms its viewer may use, read once."""
    with store.read() as session:
        rows = session.execute(
            select(Environment.key, Environment.production, Environment.flag_role)
            .join(Project, Project.id == Environment.project_id)
            .where(Project.key == project)
        ).all()
    return {key: role or default_flag_role(production) for key, production, role in rows}


def authorize_flag_change(
    store: Store, caller: Caller, project: str, environment: str | None
) -> None:
    """``PermissionDeniedError`` unless ``caller`` may change flags in ``environment``
    (None: in every environment of ``project``)."""
    authorize(caller, FLAGS_CHANGE, project, needs=flag_role(store, project, environment))
