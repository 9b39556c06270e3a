"""A project's go-to-market checklist template, and the rules of a checklist item.

The template is a list of items (``key``, ``title``, ``owner``, ``required``,
``due_days_before``); each new release of the project gets a copy as its checklist
(see :mod:`.checklist`). An item without an owner is refused: someone must be named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy.orm import Session

from premiere.errors import ValidationError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_project_row
from premiere.services.releases.spec import parse_instant
from premiere.services.validation import KEY_PATTERN, NAME_MAX, Validator
from premiere.store import Store
from premiere.store.releases import ChecklistTemplate
from premiere.store.types import utc_now

MAX_ITEMS = 50
TEMPLATE_FIELDS = ("key", "title", "owner", "required", "due_days_before")
ITEM_FIELDS = (*TEMPLATE_FIELDS, "due_at")
_SLUG = re.compile(r"[^a-z0-9]+")


class TemplateItem(TypedDict):
    key: str
    title: str
    owner: str
    required: bool
    due_days_before: int | None


class TemplateView(TypedDict):
    project: str
    items: list[TemplateItem]
    version: int


class ItemInput(TemplateItem):
    due_at: Any  # an aware datetime or None (release items only)


def get_checklist_template(store: Store, project: str) -> TemplateView:
    with store.read() as session:
        row = session.get(ChecklistTemplate, get_project_row(session, project).id)
        return _view(project, row)


def set_checklist_template(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> TemplateView:
    """Replace the template; releases created before keep their checklists."""
    items = parse_items(data, TEMPLATE_FIELDS)
    stored = [{f: item[f] for f in TEMPLATE_FIELDS} for item in items]  # type: ignore[literal-required]
    with store.write() as session:
        project_row = get_project_row(session, project)
        # two first saves at once: the second waits, then updates the first's row
        session.refresh(project_row, with_for_update={"key_share": True})
        row = session.get(ChecklistTemplate, project_row.id)
        before = _view(project, row)
        if row is None:
            row = ChecklistTemplate(project_id=project_row.id, items=stored, version=1)
            session.add(row)
        else:
            row.items, row.version, row.updated_at = stored, row.version + 1, utc_now()
        session.flush()
        after = _view(project, row)
        record_audit_event(
            session,
            actor,
            "checklist_template.updated",
            project=project,
            resource_type="checklist_template",
            resource_key=project,
            before=before,
            after=after,
        )
        return after


def template_items(session: Session, project_id: int) -> list[TemplateItem]:
    row = session.get(ChecklistTemplate, project_id)
    return list(row.items) if row is not None else []  # type: ignore[arg-type]


def parse_items(data: Mapping[str, Any], fields: tuple[str, ...]) -> list[ItemInput]:
    """Check ``{"items": [...]}``; every broken rule is named by its field
    (``items[2].owner``), and nothing is returned unless all items are valid."""
    validator = Validator(data)
    validator.allowed(("items",))
    items = data.get("items")
    if not validator.required("items"):
        validator.raise_if_any()
    if not isinstance(items, list):
        raise ValidationError.single("items", "type", "must be a list of items")
    if len(items) > MAX_ITEMS:
        raise ValidationError.single("items", "max_items", f"at most {MAX_ITEMS} items")
    parsed = [_item(validator, f"items[{i}]", item, fields) for i, item in enumerate(items)]
    seen: set[str] = set()
    for index, item in enumerate(parsed):
        if item["key"] in seen:
            validator.add(f"items[{index}].key", "duplicate", "two items have this key")
        seen.add(item["key"])
    validator.raise_if_any()
    return parsed


def _item(validator: Validator, path: str, item: Any, fields: tuple[str, ...]) -> ItemInput:
    if not isinstance(item, Mapping):
        validator.add(path, "type", "must be an object")
        item = {}
    for name in item:
        if name not in fields:
            validator.add(f"{path}.{name}", "unknown_field", f"unknown field {name!r}")
    title = _text(validator, path, item, "title")
    owner = _text(validator, path, item, "owner")
    key = item.get("key", _slug(title))
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        validator.add(f"{path}.key", "key_pattern", "must match [A-Za-z0-9._-]{1,128}")
    required = item.get("required", False)
    if not isinstance(required, bool):
        validator.add(f"{path}.required", "type", "must be true or false")
    days = item.get("due_days_before")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        validator.add(f"{path}.due_days_before", "minimum", "must be an integer, at least 0")
    due_at = None
    if item.get("due_at") is not None:
        due_at = _aware(item["due_at"])
        if due_at is None:
            rule = "RFC 3339 with an offset (or Z), e.g. 2026-05-04T09:00:00+02:00"
            validator.add(f"{path}.due_at", "datetime", f"must be {rule}")
        elif days is not None:
            validator.add(f"{path}.due_at", "one_of", "give due_at or due_days_before, not both")
    return {
        "key": str(key),
        "title": title,
        "owner": owner,
        "required": required is True,
        "due_days_before": days if isinstance(days, int) else None,
        "due_at": due_at,
    }


def _text(validator: Validator, path: str, item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        validator.add(f"{path}.{name}", "required", f"{name} is required")
        return ""
    if not isinstance(value, str):
        validator.add(f"{path}.{name}", "type", "must be a string")
        return ""
    if len(value) > NAME_MAX:
        validator.add(f"{path}.{name}", "max_length", f"must be at most {NAME_MAX} characters")
    return value.strip()


def _aware(value: Any) -> Any:
    """An aware datetime, only from a string that carries its own offset."""
    if not isinstance(value, str) or not re.search(r"(Z|[+-]\d\d:?\d\d)$", value):
        return None
    try:
        return parse_instant(value.replace("Z", "+00:00"), "UTC")
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is past year 9999 in UTC
        return None


def _slug(title: str) -> str:
    return _SLUG.sub("-", title.lower()).strip("-")[:64] or "item"


def _view(project: str, row: ChecklistTemplate | None) -> TemplateView:
    items: list[TemplateItem] = list(row.items) if row is not None else []  # type: ignore[arg-type]
    return {"project": project, "items": items, "version": row.version if row else 0}
