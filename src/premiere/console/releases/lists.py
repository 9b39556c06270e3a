"""The releases list (``/projects/<project>/releases``) and the calendar
(``/projects/<project>/releases/calendar?view=month|week&date=YYYY-MM-DD``)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import Reader, console_state, store_of
from premiere.console.errors import error_page
from premiere.console.pages import frame, page
from premiere.console.releases.calendar import build_calendar, parse_anchor
from premiere.console.releases.views import release_row
from premiere.errors import ValidationError
from premiere.services.releases.records import list_releases
from premiere.store import Store

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project}/releases")
async def releases_page(request: Request, project: str, session: Reader) -> Response:
    view = await run_in_threadpool(_list_view, store_of(request), project)
    return page(request, "releases/list.html", view)


@router.get("/projects/{project}/releases/calendar")
async def calendar_page(request: Request, project: str, session: Reader) -> Response:
    """Read from the query by hand: a bad ``view`` or ``date`` gets an HTML page."""
    view = request.query_params.get("view", "month")
    date = request.query_params.get("date", "")
    store = store_of(request)
    base = await run_in_threadpool(_base, store, project)
    try:
        now = console_state(request).clock()
        anchor = parse_anchor(date[:32], now.date())
        calendar = await run_in_threadpool(
            partial(build_calendar, store, project, view, anchor, now=now)
        )
    except ValidationError as exc:
        return error_page(request, 422, "Not a calendar", exc.message, code=exc.code)
    return page(request, "releases/calendar.html", {**base, "calendar": calendar})


def _base(store: Store, project: str) -> dict[str, Any]:
    return {
        **frame(store, project, "releases"),
    }


def _list_view(store: Store, project: str) -> dict[str, Any]:
    view = _base(store, project)
    view["releases"] = [release_row(release) for release in list_releases(store, project)]
    return view
