"""The overview: the environment matrix, releases in flight and the latest audit events.

Each of the three is a fragment (``/projects/<project>/fragments/<name>``) that the page
includes when it is rendered and that ``overview.js`` fetches again when the console
stream reports a change; without JavaScript the page is complete as served.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import Anyone, Reader, store_of
from premiere.console.errors import not_found_page
from premiere.console.pages import page, secure
from premiere.services.audit import list_audit_events
from premiere.services.deployments.matrix import MatrixRow, get_environment_matrix
from premiere.services.people import permissions
from premiere.services.projects import get_project, list_projects
from premiere.services.releases.records import list_releases
from premiere.services.releases.rows import ReleaseView
from premiere.store import Store

router = APIRouter(include_in_schema=False)

IN_FLIGHT = ("scheduled", "ready", "rolling_out", "paused")
LATEST_EVENTS = 10
FRAGMENTS = {
    "matrix": "overview/matrix.html",
    "releases": "overview/releases.html",
    "events": "overview/events.html",
}


@router.get("/")
async def home(request: Request, session: Anyone) -> Response:
    """The first project's overview the caller may read (or, without one, what to do
    first)."""
    projects = await run_in_threadpool(list_projects, store_of(request))
    readable = permissions.projects_of(session.caller)
    if readable is not None:
        projects = [item for item in projects if item["key"] in readable]
    if not projects:
        return page(request, "no_projects.html", {"projects": []})
    return secure(
        RedirectResponse(f"/projects/{quote(projects[0]['key'], safe='')}", status_code=303)
    )


@router.get("/projects")
async def switch_project(
    request: Request, session: Anyone, project: Annotated[str, Query(max_length=128)] = ""
) -> Response:
    """The project switcher's target (it works without JavaScript)."""
    if not project:
        return secure(RedirectResponse("/", status_code=303))
    return secure(RedirectResponse(f"/projects/{quote(project, safe='')}", status_code=303))


@router.get("/projects/{project}")
async def overview(request: Request, project: str, session: Reader) -> Response:
    view = await run_in_threadpool(build_overview, store_of(request), project)
    return page(request, "overview/page.html", view)


@router.get("/projects/{project}/fragments/{name}")
async def fragment(request: Request, project: str, name: str, session: Reader) -> Response:
    """One fragment of the overview, for the live updates."""
    if name not in FRAGMENTS:
        return not_found_page(request)
    view = await run_in_threadpool(build_overview, store_of(request), project, (name,))
    return page(request, FRAGMENTS[name], view)


def build_overview(
    store: Store, project: str, parts: Iterable[str] = tuple(FRAGMENTS)
) -> dict[str, Any]:
    """What the overview shows (or only its ``parts``), from the services the API uses."""
    wanted = set(parts)
    view: dict[str, Any] = {"project": get_project(store, project), "section": "overview"}
    view["projects"] = list_projects(store)
    if "matrix" in wanted:
        matrix = get_environment_matrix(store, project)
        view["environments"] = matrix["environments"]
        view["rows"] = [_matrix_row(row) for row in matrix["services"]]
    if "releases" in wanted:
        releases = [r for r in list_releases(store, project) if r["state"] in IN_FLIGHT]
        view["releases"] = [_release_row(release) for release in releases]
    if "events" in wanted:
        view["events"] = list_audit_events(store, project=project, limit=LATEST_EVENTS)["items"]
    return view


def _matrix_row(row: MatrixRow) -> dict[str, Any]:
    """A service's cells, each with how far it lags the environment before it."""
    behind = {entry["environment"]: entry for entry in row["behind"]}
    cells = []
    for environment, cell in row["environments"].items():
        lag = behind.get(environment)
        late = lag if lag and (lag["deployments"] or lag["versions"]) else None
        cells.append({"environment": environment, "cell": cell, "behind": late})
    return {"service": row["service"], "cells": cells}


def _release_row(release: ReleaseView) -> dict[str, Any]:
    stages = release["plan"].get("stages") or []
    stage = release["stage"]
    current = stages[stage] if stage is not None and 0 <= stage < len(stages) else None
    if current is None:
        audience = "not started"
    elif current.get("percent") is not None:
        audience = f"{current['percent']} %"
    else:
        audience = f"segment {current.get('segment')}"
    transition = release["last_transition"] or {}
    return {
        "key": release["key"],
        "name": release["name"],
        "state": release["state"],
        "environment": release["environment"],
        "stage": None if stage is None else stage + 1,
        "stages": len(stages),
        "audience": audience,
        "guards": [guard["metric"] for guard in release["guards"]],
        "health": transition.get("reason") if release["state"] == "paused" else None,
    }
