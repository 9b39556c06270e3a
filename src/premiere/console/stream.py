"""The console's event stream: ``GET /console/stream?project=<key>`` (server-sent events).

Twice a second (``ConsoleState.poll_seconds``) the server reads where the project's
audit log and change feed end (:func:`premiere.services.audit.activity_head`, one
statement of two indexed reads); when that moves it sends ``event: change``, and
``overview.js`` fetches the overview's fragments again. A comment line every 15 s
keeps proxies from closing the connection. The stream is a hint, never the data: a
page that missed an event is still right after its next fetch or reload.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from premiere.console.auth import Reader, console_state, store_of
from premiere.console.pages import secure
from premiere.services.audit import activity_head
from premiere.services.projects import get_project

router = APIRouter(include_in_schema=False)
HEARTBEAT_EVERY = 30
"""Quiet polls between two heartbeat comments (15 s at ``poll_seconds`` 0.5)."""

Head = tuple[int, int]


@router.get("/console/stream")
async def console_stream(
    request: Request, session: Reader, project: Annotated[str, Query(max_length=128)]
) -> Response:
    store = store_of(request)
    await run_in_threadpool(get_project, store, project)  # not_found before the stream starts
    interval = console_state(request).poll_seconds

    async def read() -> Head:
        return await run_in_threadpool(activity_head, store, project)

    events = change_events(read, lambda: anyio.sleep(interval))
    response = StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    return secure(response)


async def change_events(
    read: Callable[[], Awaitable[Head]], wait: Callable[[], Awaitable[None]]
) -> AsyncIterator[str]:
    """Server-sent events: ``ready`` first, then ``change`` each time ``read()`` moves,
    polled with ``wait()`` between reads; a heartbeat comment every few quiet polls."""
    last = await read()
    yield f"event: ready\ndata: {json.dumps(list(last))}\n\n"
    quiet = 0
    while True:
        await wait()
        head = await read()
        if head != last:
            last, quiet = head, 0
            yield f"event: change\ndata: {json.dumps(list(head))}\n\n"
            continue
        quiet += 1
        if quiet >= HEARTBEAT_EVERY:
            quiet = 0
            yield ": heartbeat\n\n"
