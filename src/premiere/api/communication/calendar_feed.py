"""``GET /api/v1/projects/{project}/calendar.ics``: the project's releases calendar.

Calendar clients subscribe to a URL and cannot send headers, so the token may come in
the query (``?token=``) — but only a token of scope ``feed``: read only, bound to one
project, good for nothing but this calendar. Any other token in a URL (an admin token
above all) is refused with 403 and not used: URLs end up in logs, in browser
histories and with calendar providers. In a header, admin and deploy tokens (of the
project) are accepted too.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from premiere.api.auth import (
    ADMIN,
    DEPLOY,
    StoreDep,
    authenticate_raw,
    authenticate_request,
    raw_token,
    require_project_access,
)
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.sdk.documents import etag_matches
from premiere.errors import PermissionDeniedError
from premiere.services.communication.calendar_feed import (
    DEFAULT_DEPARTURES,
    MEDIA_TYPE,
    build_project_calendar,
)
from premiere.services.people.tokens import TokenInfo

FEED = "feed"
router = APIRouter(tags=["communication"], responses=COMMON_ERRORS)


@router.get(
    "/projects/{project}/calendar.ics",
    summary="The project's releases calendar (iCalendar)",
    response_class=Response,
    responses={
        200: {
            "content": {"text/calendar": {"schema": {"type": "string"}}},
            "description": "An iCalendar document (RFC 5545).",
        },
        304: {"description": "Unchanged since the ETag in If-None-Match."},
        **answers(None, 404),
    },
)
async def get_calendar(
    request: Request,
    store: StoreDep,
    project: str,
    token: Annotated[
        str | None, Query(description="A token of scope feed, for clients without headers.")
    ] = None,
    departures: Annotated[
        int, Query(description="How many departures of each release train.")
    ] = DEFAULT_DEPARTURES,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    await _caller(request, store, project, token)
    console_url = str(request.base_url).rstrip("/")
    build = partial(build_project_calendar, store, project, console_url=console_url)
    feed = await run_in_threadpool(build, departures=departures)
    headers = {"ETag": feed.etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag_matches(if_none_match, feed.etag):
        return Response(status_code=304, headers=headers)
    return Response(feed.body, media_type=MEDIA_TYPE, headers=headers)


async def _caller(request: Request, store: StoreDep, project: str, token: str | None) -> TokenInfo:
    if token is not None and raw_token(request) is None:
        info = await authenticate_raw(store, token.strip())
        if info.scope != FEED:
            raise PermissionDeniedError(
                "only a token of scope feed may be sent in a URL; send this one in a header "
                "(and consider revoking it: URLs are logged)",
                {"scope": info.scope},
            )
    else:
        info = await authenticate_request(request)
        if info.scope not in {ADMIN, DEPLOY, FEED}:
            raise PermissionDeniedError(
                "this calendar needs a feed, deploy or admin token", {"scope": info.scope}
            )
    require_project_access(info, project)
    return info
