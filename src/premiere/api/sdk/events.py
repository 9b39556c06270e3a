"""SDK events in, aggregates out.

- ``POST /api/v1/sdk/events`` (``sdk-server`` or ``sdk-client`` token): one batch of
  evaluation and custom event counts (docs/sdk.md, "Events"); 202 when counted, 429
  with ``Retry-After`` past the batches a minute allowed per client address and per
  key (``app.state.event_limits``), 422 for a batch the policy refuses
  (``app.state.event_policy``).
- ``GET /api/v1/projects/{project}/environments/{environment}/events``: the per-minute
  counts stored, filtered by ``flag``, ``event``, ``since`` (inclusive) and ``until``
  (exclusive; the last 24 hours by default).
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from premiere.api.auth import LedgerReader, SdkCaller, StoreDep
from premiere.api.limits import EventRateLimits
from premiere.api.models import answers
from premiere.api.params import reject_lone_surrogates, validate_time_range
from premiere.api.sdk.models import EventCounts, EventsCounted
from premiere.errors import MalformedRequestError
from premiere.services.sdk import events as service

router = APIRouter(tags=["events"])

KeyFilter = Annotated[str | None, Query(max_length=128, pattern=r"^[A-Za-z0-9._-]{1,128}$")]
TimeFilter = Annotated[str | None, Query(max_length=64, description="RFC 3339 with an offset")]


@router.post(
    "/sdk/events",
    status_code=202,
    summary="Send a batch of SDK evaluation and custom event counts",
    responses={
        202: {"model": EventsCounted, "description": "Counted: the bucket and the totals added."},
        **answers(None, 400, 401, 403, 404, 413, 422, 429),
    },
)
async def post_sdk_events(request: Request, store: StoreDep, token: SdkCaller) -> JSONResponse:
    state = request.app.state
    limits: EventRateLimits = state.event_limits
    limits.check(request.client.host if request.client else "unknown", token.id)
    body = await request.body()
    try:
        payload: Any = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise MalformedRequestError("the request body is not valid JSON") from None
    reject_lone_surrogates(payload)
    counted = await run_in_threadpool(
        functools.partial(service.record_sdk_events, policy=state.event_policy),
        store,
        token,
        payload,
    )
    return JSONResponse(counted, status_code=202)


@router.get(
    "/projects/{project}/environments/{environment}/events",
    summary="Flag evaluation and custom event counts per minute",
    responses=answers(EventCounts, 401, 403, 404, 422),
)
def get_event_counts(
    store: StoreDep,
    token: LedgerReader,
    project: str,
    environment: str,
    flag: KeyFilter = None,
    event: KeyFilter = None,
    since: TimeFilter = None,
    until: TimeFilter = None,
) -> JSONResponse:
    validate_time_range("since", since)
    validate_time_range("until", until)
    evaluations = service.list_flag_evaluations(
        store, project, environment, flag=flag, since=since, until=until
    )
    custom = service.list_custom_events(
        store, project, environment, key=event, since=since, until=until
    )
    return JSONResponse({"flag_evaluations": evaluations, "custom_events": custom})
