"""``GET /metrics``: the server's metrics in the Prometheus text format, or OpenMetrics
when the scraper asks for it (``Accept: application/openmetrics-text``).

Access: with ``PREMIERE_METRICS_TOKEN`` set, the scraper sends it as ``Authorization:
Bearer <token>`` (compared in constant time; API tokens are not accepted); without it,
an admin token is needed. What is measured: api/insights/instruments.py.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request
from prometheus_client.exposition import choose_encoder
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from premiere.api.auth import authenticate_raw, raw_token
from premiere.api.insights.instruments import (
    METRICS,
    RequestMetrics,
    SchedulerProgress,
    ServerMetrics,
)
from premiere.api.models import answers
from premiere.errors import AuthenticationError
from premiere.services.people import permissions
from premiere.settings import Settings

router = APIRouter(tags=["health"])


def install_metrics(app: FastAPI, settings: Settings) -> ServerMetrics:
    """Count the app's requests (outermost but the request log); ``router`` serves
    ``/metrics``, included with the other routes."""

    def streams() -> int:
        broadcaster = getattr(app.state, "broadcaster", None)
        return broadcaster.subscriber_count() if broadcaster is not None else 0

    metrics = ServerMetrics(lambda: app.state.store, streams)
    setattr(app.state, METRICS, metrics)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return metrics


def observe_scheduler(app: FastAPI, scheduler: SchedulerProgress) -> None:
    """Show the ticks of the scheduler running in this process (``premiere serve``)."""
    getattr(app.state, METRICS).scheduler = scheduler


@router.get(
    "/metrics",
    summary="The server's metrics (Prometheus text format, or OpenMetrics)",
    response_class=Response,
    responses={
        **answers(None, 401, 403),
        200: {
            "description": "Requests by route and status, flag evaluations, open SDK streams, "
            "the scheduler's ticks, the outbox's backlog, deployments, releases, the DORA "
            "measures of the last 30 days (see docs/operations.md).",
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/openmetrics-text": {"schema": {"type": "string"}},
            },
        },
    },
)
async def metrics(request: Request) -> Response:
    await _authorize(request)
    found: ServerMetrics = getattr(request.app.state, METRICS)
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    body = await run_in_threadpool(encoder, found.registry)  # the store's gauges: a thread
    return Response(body, media_type=None, headers={"Content-Type": content_type})


async def _authorize(request: Request) -> None:
    settings: Settings = request.app.state.settings
    raw = (raw_token(request) or "").strip()
    expected = settings.metrics_token
    if expected is not None:
        if not hmac.compare_digest(raw.encode(), expected.encode()):
            raise AuthenticationError("/metrics needs the metrics token: Authorization: Bearer")
        return
    if not raw:
        raise AuthenticationError(
            "a token is required: send Authorization: Bearer <token> or X-API-Key: <token>"
        )
    caller = (await authenticate_raw(request.app.state.store, raw)).caller
    permissions.authorize(caller, permissions.SETTINGS)  # an admin of the whole server
