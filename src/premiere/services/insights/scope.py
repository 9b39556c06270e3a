"""What an insight looks at: a project, its environments (by default the production
ones), optionally one service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import ValidationError, Violation
from premiere.services.lookups import get_project_row, list_environment_rows
from premiere.store.models import Environment, Project, Service


@dataclass(frozen=True)
class Scope:
    project: Project
    environments: list[Environment]
    service: Service | None

    @property
    def environment_ids(self) -> list[int]:
        return [env.id for env in self.environments]

    def as_dict(self) -> dict[str, object]:
        return {
            "project": self.project.key,
            "environments": [env.key for env in self.environments],
            "service": None if self.service is None else self.service.key,
        }


def load_scope(
    session: Session, project: str, *, service: str | None, environment: str | None
) -> Scope:
    """The project's rows; an unknown ``service`` or ``environment`` is a validation
    error naming the field (rules ``unknown_service``, ``unknown_environment``).
    Without ``environment``: the environments marked production, else the last one."""
    project_row = get_project_row(session, project)
    environments = list_environment_rows(session, project_row)
    problems = []
    chosen = [env for env in environments if env.key == environment] if environment else []
    if environment and not chosen:
        problems.append(("environment", "unknown_environment", "no such environment"))
    elif not environment:
        chosen = [env for env in environments if env.production] or environments[-1:]
    service_row = None
    if service:
        service_row = session.scalar(
            select(Service).where(Service.project_id == project_row.id, Service.key == service)
        )
        if service_row is None:
            problems.append(("service", "unknown_service", "no such service"))
    if problems:
        raise ValidationError(Violation(*problem) for problem in problems)
    return Scope(project_row, chosen, service_row)
