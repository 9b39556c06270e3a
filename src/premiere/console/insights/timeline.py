"""The timeline of a project: every change, newest first, filtered by a GET form, paged.

The page reads :func:`premiere.services.insights.timeline.list_timeline`, as the API's
``/api/v1/projects/<project>/timeline`` does; a filter the service refuses is shown at
its field (422). Its first page is live: its items are a fragment
(``/projects/<project>/timeline/items``, with the same filters) that ``live.js``
fetches again when the console stream reports a change, as the overview's are.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import Reader, store_of
from premiere.console.deployments.pages import utc_text
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import frame, page
from premiere.services.catalog import list_services
from premiere.services.environments import list_environments
from premiere.services.insights.timeline import list_timeline
from premiere.services.insights.timeline_items import CATEGORIES
from premiere.store import Store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
FILTERS = ("environment", "service", "actor", "since", "until")
MAX_FILTER = 200
LABELS = {
    "deployment": "Deployments",
    "flag": "Flags",
    "release": "Releases",
    "guard": "Guard decisions",
    "approval": "Approvals",
    "note": "Release notes",
    "incident": "Incidents",
    "other": "Other changes",
}


@router.get("/projects/{project}/timeline")
async def timeline_page(request: Request, project: str, session: Reader) -> Response:
    view = await _build(request, project)
    return page(request, "insights/timeline.html", view, status=422 if view["errors"] else 200)


@router.get("/projects/{project}/timeline/items")
async def timeline_items(request: Request, project: str, session: Reader) -> Response:
    """The items alone, for the live updates of the first page."""
    view = await _build(request, project)
    status = 422 if view["errors"] else 200
    return page(request, "insights/timeline_items.html", view, status=status)


async def _build(request: Request, project: str) -> dict[str, Any]:
    params = request.query_params
    query = {name: params.get(name, "")[:MAX_FILTER] for name in FILTERS}
    chosen = [c[:MAX_FILTER] for c in params.getlist("category")][: len(CATEGORIES) + 1]
    cursor = params.get("cursor") or None
    store = store_of(request)
    return await run_in_threadpool(build_timeline, store, project, query, chosen, cursor)


def build_timeline(
    store: Store, project: str, query: dict[str, str], chosen: list[str], cursor: str | None
) -> dict[str, Any]:
    """The items the filters select (newest first), or the filters' errors."""
    kept = [(name, value) for name, value in query.items() if value]
    kept += [("category", category) for category in chosen]
    base = f"/projects/{quote(project, safe='')}/timeline"
    view: dict[str, Any] = {
        **frame(store, project, "timeline"),
        "query": query,
        "chosen": chosen,
        "categories": [(category, LABELS[category]) for category in CATEGORIES],
        "environment_options": [(e["key"], e["name"]) for e in list_environments(store, project)],
        "service_options": [(s["key"], s["name"]) for s in list_services(store, project)],
        "filtered": bool(kept),
        "live": cursor is None,
        "items_url": f"{base}/items?{urlencode(kept)}",
        "items": [],
        "next": None,
        "errors": FormErrors(),
    }
    try:
        found = list_timeline(
            store,
            project,
            categories=chosen,
            environment=query["environment"] or None,
            service=query["service"] or None,
            actor=query["actor"] or None,
            since=utc_text(query["since"]),
            until=utc_text(query["until"]),
            limit=PAGE_SIZE,
            cursor=cursor[:500] if cursor else None,
        )
    except FORM_ERRORS as exc:
        view["errors"] = map_error_to_form(exc)
        return view
    view["items"] = found["items"]
    if found["next_cursor"]:
        view["next"] = f"{base}?{urlencode([*kept, ('cursor', found['next_cursor'])])}"
    return view
