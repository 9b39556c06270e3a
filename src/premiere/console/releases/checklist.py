"""The go-to-market checklist in the console: ticking and unticking an item and adding
one on a release's page, and the project's template (``/projects/<p>/settings/checklist``,
linked from the settings page). Each form calls the service the API calls; a refusal
shows the page again with the message beside its field (an item needs an owner)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import ReleaseManager, actor_of, console_state, store_of
from premiere.console.errors import not_found_page
from premiere.console.forms import FormErrors, submit_form
from premiere.console.pages import frame, page
from premiere.console.releases.page import build_release_page
from premiere.errors import ValidationError, Violation
from premiere.services.releases import checklist as service
from premiere.services.releases import checklist_templates as templates
from premiere.store import Store

router = APIRouter(include_in_schema=False)

RELEASE = "/projects/{project}/releases/{key}"
TEMPLATE = "/projects/{project}/settings/checklist"
BLANK_ROWS = 3
"""Empty rows the template's form offers for new items."""
_ITEM_FIELD = re.compile(r"^items\[(\d+)\]\.(\w+)$")


@router.post(RELEASE + "/checklist/{item}/{action}")
async def mark_form(
    request: Request, project: str, key: str, item: str, action: str, session: ReleaseManager
) -> Response:
    if action not in ("tick", "untick"):
        return not_found_page(request)
    mark = service.tick_checklist_item if action == "tick" else service.untick_checklist_item
    store = store_of(request)
    context = await _release_context(request, store, project, key)

    def run(form: dict[str, str]) -> Any:
        return mark(store, actor_of(session), project, key, item)

    return await submit_form(
        request,
        session,
        run,
        success=lambda _: f"/projects/{project}/releases/{key}#item-{item}",
        template="releases/page.html",
        context={**context, "refused": "checklist"},
    )


@router.post(RELEASE + "/checklist/items")
async def add_item_form(
    request: Request, project: str, key: str, session: ReleaseManager
) -> Response:
    store = store_of(request)
    context = await _release_context(request, store, project, key)
    existing = [item_input(item) for item in context["checklist"]["items"]]

    def add(form: dict[str, str]) -> Any:
        item: dict[str, Any] = {
            "title": form.get("title", ""),
            "owner": form.get("owner", ""),
            "required": form.get("required") == "true",
        }
        if form.get("due_at", "").strip():
            item["due_at"] = _utc(form["due_at"].strip())
        data = {"items": [*existing, item]}
        try:
            return service.set_release_checklist(store, actor_of(session), project, key, data)
        except ValidationError as exc:
            raise _renamed(exc, {len(existing): None}) from None

    return await submit_form(
        request,
        session,
        add,
        success=lambda _: f"/projects/{project}/releases/{key}#checklist",
        template="releases/page.html",
        context={**context, "refused": "checklist"},
    )


@router.get(TEMPLATE)
async def template_page(request: Request, project: str, session: ReleaseManager) -> Response:
    view = await run_in_threadpool(build_template_page, store_of(request), project)
    return page(request, "settings/checklist.html", view)


@router.post(TEMPLATE)
async def template_form(request: Request, project: str, session: ReleaseManager) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_template_page, store, project)

    def save(form: dict[str, str]) -> Any:
        items, rows = template_items(form)
        try:
            return templates.set_checklist_template(
                store, actor_of(session), project, {"items": items}
            )
        except ValidationError as exc:
            raise _renamed(exc, rows) from None

    return await submit_form(
        request,
        session,
        save,
        success=lambda _: f"/projects/{project}/settings/checklist",
        template="settings/checklist.html",
        context=view,
    )


def build_template_page(store: Store, project: str) -> dict[str, Any]:
    template = templates.get_checklist_template(store, project)
    rows = [dict(item) for item in template["items"]] + [{} for _ in range(BLANK_ROWS)]
    return {
        **frame(store, project, "settings"),
        "template": template,
        "rows": rows,
        "form": {},
        "errors": FormErrors(),
    }


def template_items(form: dict[str, str]) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The items of the template's form, blank and removed rows left out, and for each
    item the row it came from (errors are shown at the row's fields)."""
    items: list[dict[str, Any]] = []
    rows: dict[int, int] = {}
    row = 0
    while f"items[{row}].title" in form:
        value = {f: form.get(f"items[{row}].{f}", "").strip() for f in ("key", "title", "owner")}
        days = form.get(f"items[{row}].due_days_before", "").strip()
        blank = not (value["title"] or value["owner"] or days)
        if not blank and form.get(f"items[{row}].remove") != "true":
            item: dict[str, Any] = {k: v for k, v in value.items() if v or k != "key"}
            item["required"] = form.get(f"items[{row}].required") == "true"
            if days:
                item["due_days_before"] = int(days) if re.fullmatch(r"-?\d{1,6}", days) else days
            rows[len(items)] = row
            items.append(item)
        row += 1
    return items, rows


def item_input(item: service.ItemView) -> dict[str, Any]:
    """A checklist item as the service takes it back (its tick is kept by key)."""
    data: dict[str, Any] = {k: item[k] for k in ("key", "title", "owner", "required")}
    if item["due_days_before"] is not None:
        data["due_days_before"] = item["due_days_before"]
    elif item["due_at"] is not None:
        data["due_at"] = item["due_at"]
    return data


def _utc(value: str) -> str:
    """A ``datetime-local`` value is read as UTC (the label says so)."""
    return value if re.search(r"(Z|[+-]\d\d:\d\d)$", value) else f"{value}Z"


def _renamed(exc: ValidationError, rows: Mapping[int, int | None]) -> ValidationError:
    """The service's ``items[i].field`` as the form's field: the row's, or (for the one
    new item on a release's page, ``rows[i]`` None) the field's plain name."""
    violations = []
    for violation in exc.violations:
        match = _ITEM_FIELD.match(violation.field)
        name = violation.field
        if match and int(match[1]) in rows:
            row = rows[int(match[1])]
            name = match[2] if row is None else f"items[{row}].{match[2]}"
        violations.append(Violation(name, violation.rule, violation.message))
    return ValidationError(violations)


async def _release_context(
    request: Request, store: Store, project: str, key: str
) -> dict[str, Any]:
    now = console_state(request).clock()
    return await run_in_threadpool(build_release_page, store, project, key, now)
