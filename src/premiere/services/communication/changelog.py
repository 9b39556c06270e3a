"""A project's public changelog: its settings (on or off, the categories shown) and the
release notes it shows — published notes whose audience is everyone, newest first,
paged. A project's changelog is off until someone turns it on: the page and its feeds
are public (no token), so a project opts in.

When the changelog is off, :func:`list_changelog_entries` raises ``NotFoundError``, and
the page and the feeds answer 404, as for a project that does not exist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.fields import CATEGORIES
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.changelog import ChangelogSettings
from premiere.store.concurrency import require_current_version, require_version
from premiere.store.models import Project
from premiere.store.types import utc_now


class ChangelogSettingsView(TypedDict):
    project: str
    enabled: bool
    categories: list[str]
    version: int
    updated_at: str | None


def get_changelog_settings(store: Store, project: str) -> ChangelogSettingsView:
    """The settings; a project that never saved them: off, every category, version 0."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        return _view(project_row, session.get(ChangelogSettings, project_row.id))


def update_changelog_settings(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> ChangelogSettingsView:
    """Change ``enabled`` and ``categories`` (at least one of ``CATEGORIES``), based on
    ``expected_version`` (0 for the first save). Audited as ``changelog.updated``."""
    expected = require_version(expected_version, "changelog", project)
    _check(data)
    with store.write() as session:
        project_row = get_project_row(session, project)
        # two first saves at once: the second waits, then finds the first's row
        session.refresh(project_row, with_for_update={"key_share": True})
        row = session.get(ChangelogSettings, project_row.id)
        before = _view(project_row, row)
        require_current_version("changelog", project, before["version"], expected)
        if row is None:
            row = ChangelogSettings(
                project_id=project_row.id, enabled=False, categories=list(CATEGORIES)
            )
            session.add(row)
        else:
            row.version, row.updated_at = row.version + 1, utc_now()
        if "enabled" in data:
            row.enabled = bool(data["enabled"])
        if "categories" in data:
            row.categories = [c for c in CATEGORIES if c in data["categories"]]
        session.flush()
        after = _view(project_row, row)
        record_audit_event(
            session,
            actor,
            "changelog.updated",
            project=project,
            resource_type="changelog",
            resource_key=project,
            before=before,
            after=after,
        )
        return after


def require_changelog(settings: ChangelogSettingsView) -> None:
    """``NotFoundError`` unless the changelog is on."""
    if not settings["enabled"]:
        raise NotFoundError(
            "changelog", settings["project"], f"project {settings['project']!r} has no changelog"
        )


def _check(data: Mapping[str, Any]) -> None:
    validator = Validator(data)
    validator.allowed(("enabled", "categories"))
    validator.boolean("enabled")
    categories = data.get("categories", list(CATEGORIES))
    if not isinstance(categories, list):
        validator.add("categories", "type", "must be a list of categories")
    elif not categories:
        validator.add("categories", "non_empty", "must name at least one category")
    else:
        for index, category in enumerate(categories):
            if category not in CATEGORIES:
                validator.add(
                    f"categories[{index}]", "enum", "must be one of " + ", ".join(CATEGORIES)
                )
    validator.raise_if_any()


def _view(project: Project, row: ChangelogSettings | None) -> ChangelogSettingsView:
    if row is None:
        return {
            "project": project.key,
            "enabled": False,
            "categories": list(CATEGORIES),
            "version": 0,
            "updated_at": None,
        }
    return {
        "project": project.key,
        "enabled": row.enabled,
        "categories": list(row.categories),
        "version": row.version,
        "updated_at": format_time(row.updated_at),
    }
