"""The audit log of a project: filters, each event's before/after diff, cursor paging.

The page reads :func:`premiere.services.audit.list_audit_events`, as the API's
``/api/v1/audit`` does; a filter the service refuses is shown at its field (422).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import Reader, store_of
from premiere.console.deployments.pages import utc_text
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import frame, page
from premiere.services.audit import list_audit_events
from premiere.services.environments import list_environments
from premiere.store import Store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
FILTERS = ("actor", "resource_type", "resource_key", "action", "environment", "since", "until")
MAX_FILTER = 200


@router.get("/projects/{project}/audit")
async def audit_page(request: Request, project: str, session: Reader) -> Response:
    query = {name: request.query_params.get(name, "")[:MAX_FILTER] for name in FILTERS}
    cursor = request.query_params.get("cursor") or None
    view = await run_in_threadpool(build_audit, store_of(request), project, query, cursor)
    return page(request, "audit/page.html", view, status=422 if view["errors"] else 200)


def build_audit(
    store: Store, project: str, query: dict[str, str], cursor: str | None
) -> dict[str, Any]:
    """The events the filters select (newest first), or the filters' errors."""
    environments = list_environments(store, project)
    view: dict[str, Any] = {
        **frame(store, project, "audit"),
        "query": query,
        "environment_options": [(item["key"], item["name"]) for item in environments],
        "events": [],
        "next": None,
        "errors": FormErrors(),
    }
    try:
        found = list_audit_events(
            store,
            project=project,
            actor=query["actor"] or None,
            resource_type=query["resource_type"] or None,
            resource_key=query["resource_key"] or None,
            action=query["action"] or None,
            environment=query["environment"] or None,
            since=utc_text(query["since"]),
            until=utc_text(query["until"]),
            limit=PAGE_SIZE,
            cursor=cursor[:500] if cursor else None,
        )
    except FORM_ERRORS as exc:
        view["errors"] = map_error_to_form(exc)
        return view
    view["events"] = found["items"]
    if found["next_cursor"]:
        kept = {name: value for name, value in query.items() if value}
        view["next"] = "?" + urlencode(kept | {"cursor": found["next_cursor"]})
    return view
