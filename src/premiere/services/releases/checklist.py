"""A release's go-to-market checklist: docs published, support briefed, training
scheduled... each item with an owner, an optional due date, required or not, and who
ticked it and when.

A new release gets a copy of its project's template (:mod:`.checklist_templates`).
Required items not yet done are missing for readiness, like approvals: a release
does not start (by hand or by the scheduler) before they are ticked. The checklist
stays editable and tickable in every state: the gate applies when the release starts,
so a required item added or unticked after the start does not stop a rollout.

Ticking is audited as ``readiness.item_done``, unticking as ``readiness.item_undone``;
a change of the list as ``release.checklist_updated``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_project_row
from premiere.services.mappers import ActorView, format_time, stored_actor
from premiere.services.releases.checklist_templates import (
    ITEM_FIELDS,
    TemplateItem,
    parse_items,
    template_items,
)
from premiere.services.releases.rows import actor_view, load_release
from premiere.services.validation import is_key
from premiere.store import Store
from premiere.store.releases import ChecklistItem, Release
from premiere.store.types import utc_now


class ItemView(TypedDict):
    key: str
    title: str
    owner: str
    required: bool
    due_at: str | None
    due_days_before: int | None
    overdue: bool
    done: bool
    done_at: str | None
    done_by: ActorView | None


class ChecklistView(TypedDict):
    release: str
    state: str
    items: list[ItemView]
    missing: list[str]


def get_release_checklist(
    store: Store, project: str, key: str, *, now: datetime | None = None
) -> ChecklistView:
    with store.read() as session:
        _, row = load_release(session, project, key)
        return _view(session, row, now or utc_now())


def set_release_checklist(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> ChecklistView:
    """Replace the list. Items are matched by key: one kept keeps its tick."""
    now = now or utc_now()
    items = parse_items(data, ITEM_FIELDS)
    with store.write() as session:
        row = _locked(session, project, key)
        before = _view(session, row, now)
        existing = {item.key: item for item in _rows(session, row)}
        for position, item in enumerate(items):
            stored = existing.pop(item["key"], None) or ChecklistItem(release_id=row.id)
            stored.key, stored.position, stored.title = item["key"], position, item["title"]
            stored.owner, stored.required = item["owner"], item["required"]
            stored.due_at, stored.due_days_before = item["due_at"], item["due_days_before"]
            session.add(stored)
        for gone in existing.values():
            session.delete(gone)
        session.flush()
        after = _view(session, row, now)
        _audit(session, actor, project, row, "release.checklist_updated", before, after)
        return after


def tick_checklist_item(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    item: str,
    *,
    now: datetime | None = None,
) -> ItemView:
    """Mark the item done by ``actor``; ticking a done item changes nothing."""
    return _mark(store, actor, project, key, item, True, now or utc_now())


def untick_checklist_item(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    item: str,
    *,
    now: datetime | None = None,
) -> ItemView:
    return _mark(store, actor, project, key, item, False, now or utc_now())


def create_release_checklist(session: Session, project_id: int, row: Release) -> None:
    """A new release's checklist: a copy of its project's template."""
    for position, item in enumerate(template_items(session, project_id)):
        session.add(_from_template(row, position, item))


def checklist_missing(session: Session, row: Release) -> list[dict[str, Any]]:
    """The required items not yet done, as readiness names them."""
    return [
        {
            "item": item.key,
            "title": item.title,
            "owner": item.owner,
            "due_at": format_time(due_of(item, row)),
        }
        for item in _rows(session, row)
        if item.required and item.done_at is None
    ]


def due_of(item: ChecklistItem, row: Release) -> datetime | None:
    if item.due_at is not None:
        return item.due_at
    if item.due_days_before is None or row.start_at is None:
        return None
    return row.start_at - timedelta(days=item.due_days_before)


class DueItem(TypedDict):
    release: str
    release_name: str
    item: ItemView


def list_due_checklist_items(
    store: Store, project: str, *, now: datetime | None = None
) -> list[DueItem]:
    """Every checklist item of the project's releases that has a due date, earliest
    first (for calendars), overdue ones marked in ``item.overdue``."""
    now = now or utc_now()
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.execute(
            select(Release, ChecklistItem)
            .join(ChecklistItem, ChecklistItem.release_id == Release.id)
            .where(Release.project_id == project_row.id)
        )
        found: list[DueItem] = []
        for row, stored in rows:
            item = map_item_row_to_view(stored, row, now)
            if item["due_at"] is not None:
                found.append({"release": row.key, "release_name": row.name, "item": item})
    return sorted(found, key=lambda entry: str(entry["item"]["due_at"]))


def map_item_row_to_view(item: ChecklistItem, row: Release, now: datetime) -> ItemView:
    due = due_of(item, row)
    return {
        "key": item.key,
        "title": item.title,
        "owner": item.owner,
        "required": item.required,
        "due_at": format_time(due),
        "due_days_before": item.due_days_before,
        "overdue": due is not None and item.done_at is None and due < now,
        "done": item.done_at is not None,
        "done_at": format_time(item.done_at),
        "done_by": stored_actor(item.done_by) if item.done_by else None,
    }


def _mark(
    store: Store, actor: Actor, project: str, key: str, item: str, done: bool, now: datetime
) -> ItemView:
    with store.write() as session:
        row = _locked(session, project, key)
        stored = _get_item(session, row, item)
        before = map_item_row_to_view(stored, row, now)
        if before["done"] == done:
            return before
        stored.done_at = now if done else None
        stored.done_by = dict(actor_view(actor)) if done else None
        session.flush()
        after = map_item_row_to_view(stored, row, now)
        action = "readiness.item_done" if done else "readiness.item_undone"
        wrap = {"release": key, "state": row.state}
        _audit(session, actor, project, row, action, {**wrap, **before}, {**wrap, **after})
        return after


def _locked(session: Session, project: str, key: str) -> Release:
    """The release, locked as a start locks it: a tick, an untick or a new list and a
    start arriving together happen one after the other (the start sees the result)."""
    _, row = load_release(session, project, key)
    session.refresh(row, with_for_update={"key_share": True})
    return row


def _get_item(session: Session, row: Release, item: str) -> ChecklistItem:
    found = None
    if is_key(item):
        found = session.scalar(
            select(ChecklistItem).where(
                ChecklistItem.release_id == row.id, ChecklistItem.key == item
            )
        )
    if found is None:
        raise NotFoundError(
            "checklist_item", item, f"release {row.key!r} has no checklist item {item!r}"
        )
    return found


def _rows(session: Session, row: Release) -> list[ChecklistItem]:
    return list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.release_id == row.id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def _view(session: Session, row: Release, now: datetime) -> ChecklistView:
    items = [map_item_row_to_view(item, row, now) for item in _rows(session, row)]
    missing = [i["key"] for i in items if i["required"] and not i["done"]]
    return {"release": row.key, "state": row.state, "items": items, "missing": missing}


def _from_template(row: Release, position: int, item: TemplateItem) -> ChecklistItem:
    return ChecklistItem(
        release_id=row.id,
        key=item["key"],
        position=position,
        title=item["title"],
        owner=item["owner"],
        required=bool(item.get("required")),
        due_days_before=item.get("due_days_before"),
    )


def _audit(
    session: Session,
    actor: Actor,
    project: str,
    row: Release,
    action: str,
    before: Any,
    after: Any,
) -> None:
    record_audit_event(
        session,
        actor,
        action,
        project=project,
        resource_type="release",
        resource_key=row.key,
        environment=row.environment,
        before=before,
        after=after,
    )
