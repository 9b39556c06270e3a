"""``GET /api/v1/projects/{project}/timeline``: what happened in a project, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import Reader, StoreDep
from premiere.api.insights.models import TimelinePage
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.params import query_fields, utc_time
from premiere.services.insights.timeline import MAX_LIMIT
from premiere.services.insights.timeline import list_timeline as list_project_timeline

router = APIRouter(prefix="/projects/{project}", tags=["insights"], responses=COMMON_ERRORS)


@router.get(
    "/timeline",
    summary="The project's timeline: deployments, flags, releases, guards, notes, incidents",
    responses=answers(TimelinePage, 404),
)
def list_timeline(
    store: StoreDep,
    token: Reader,
    project: str,
    category: Annotated[
        list[str] | None,
        Query(
            description="Only these categories (repeatable): deployment, flag, release, "
            "guard, approval, note, incident, other."
        ),
    ] = None,
    environment: Annotated[str | None, Query(max_length=128)] = None,
    service: Annotated[
        str | None, Query(max_length=128, description="What concerns this service.")
    ] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Id or name.")] = None,
    since: Annotated[
        datetime | None, Query(description="RFC 3339; items at or after (naive = UTC).")
    ] = None,
    until: Annotated[datetime | None, Query(description="RFC 3339; items before.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
    ] = None,
) -> JSONResponse:
    with query_fields():
        page = list_project_timeline(
            store,
            project,
            categories=category or (),
            environment=environment,
            service=service,
            actor=actor,
            since=utc_time("since", since),
            until=utc_time("until", until),
            limit=limit,
            cursor=cursor,
        )
    return JSONResponse(page)
