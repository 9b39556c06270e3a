"""The HTTP application: ``create_app(settings, store)``.

Routes live in one module per aggregate; errors are mapped in :mod:`.errors`;
authentication in :mod:`.auth`. Nothing here prints: the ``serve`` command owns the
console (and the first admin token).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.responses import FileResponse, JSONResponse
from starlette.staticfiles import StaticFiles

from premiere import __version__
from premiere.api import audit, catalog, environments, projects, tokens
from premiere.api.communication import calendar_feed, whatsnew
from premiere.api.communication import feedback as note_feedback
from premiere.api.communication import routes as notes
from premiere.api.communication import subscribers as email_subscribers
from premiere.api.communication import webhooks as outgoing_webhooks
from premiere.api.deployments import config as deployment_config
from premiere.api.deployments import insights as deployment_insights
from premiere.api.deployments import routes as deployments
from premiere.api.deployments import webhooks
from premiere.api.errors import install_error_handlers
from premiere.api.flags import routes as flags
from premiere.api.flags import segments
from premiere.api.insights import incidents as incidents_api
from premiere.api.insights import metrics, timeline
from premiere.api.insights import routes as insights
from premiere.api.limits import BodySizeLimit, EventRateLimits, FeedbackRateLimits
from premiere.api.models import Health, answers
from premiere.api.params import reject_nul_in_path_and_query
from premiere.api.people import account as own_account
from premiere.api.people import admin as people
from premiere.api.releases import checklist as release_checklist
from premiere.api.releases import routes as releases
from premiere.api.releases import schedules as release_schedules
from premiere.api.sdk import documents as sdk
from premiere.api.sdk import events, ofrep, stream
from premiere.api.sdk.access_log import ACCESS_LOG, AccessCounts, AccessLog
from premiere.api.sdk.fastpath import OfrepFastPath
from premiere.services.sdk.batches import EventPolicy
from premiere.settings import Settings
from premiere.store import Store

DESCRIPTION = """\
Premiere's HTTP API: projects, environments, services, feature flags and their
per-environment configuration, segments, the audit log, API tokens, and the flag
document SDKs download; the deployment ledger (what runs where, verification checks,
promotion and rollback, the GitHub webhook); releases (trains, scheduled changes,
freezes, guarded rollouts); and OFREP, the OpenFeature Remote Evaluation Protocol,
under `/ofrep/v1`.

Authenticate with `Authorization: Bearer <token>` (or `X-API-Key: <token>`).
Updates name the version they are based on (`If-Match: "3"` or `"version": 3` in the
body). Errors are `{"error": {"code", "message", "details"}}`; the codes are listed in
`docs/errors.md`.
"""

TAGS = [
    {"name": "projects", "description": "Products, each with environments, flags, segments."},
    {"name": "environments", "description": "Ordered stages in which flags are configured."},
    {"name": "services", "description": "Deployable units of a project."},
    {"name": "flags", "description": "Feature flags and their per-environment configuration."},
    {"name": "segments", "description": "Reusable audiences referenced by flag rules."},
    {"name": "audit", "description": "Who changed what, when; before and after."},
    {"name": "tokens", "description": "API tokens and their scopes."},
    {"name": "people", "description": "People, roles, invitations, service accounts; me."},
    {"name": "sdk", "description": "What SDKs download: the flag document."},
    {"name": "releases", "description": "Releases, trains, scheduled changes, freezes."},
    {"name": "deployments", "description": "The deployment ledger: what runs where."},
    {"name": "ofrep", "description": "OpenFeature Remote Evaluation Protocol (/ofrep/v1)."},
    {"name": "events", "description": "Evaluation and custom event counts from SDKs."},
    {"name": "notes", "description": "Release notes and end users' feedback on them."},
    {"name": "whats-new", "description": "What's new for end users (SDK tokens), feedback."},
    {"name": "communication", "description": "Release communication: the releases calendar."},
    {"name": "health", "description": "Liveness."},
]


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """Build the app; without ``store``, open one from ``settings.database_url``.

    A store opened here is closed when the app shuts down; a given one is the
    caller's to close.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.store is None
        if owned:
            app.state.store = Store.open(settings.database_url)
        try:
            async with stream.change_broadcaster(app):  # SDK streams: see api/sdk/stream.py
                yield
        finally:
            if owned:
                app.state.store.close()
                app.state.store = None

    app = FastAPI(
        title="Premiere",
        version=__version__,
        summary="A release control plane: deployments, feature flags, releases.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served from the package below: FastAPI's pages load a CDN
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.event_policy = EventPolicy.from_settings(settings)
    app.state.event_limits = EventRateLimits(
        settings.events_client_rate_per_minute, settings.events_key_rate_per_minute
    )
    setattr(
        app.state,
        whatsnew.FEEDBACK_LIMITS,
        FeedbackRateLimits(
            settings.feedback_client_rate_per_minute, settings.feedback_context_rate_per_minute
        ),
    )
    install_error_handlers(app)
    _serve_api_docs(app)
    app.add_middleware(whatsnew.WhatsNewCors)  # api/communication/whatsnew.py
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    # Before the body size limit, which it applies itself: api/sdk/fastpath.py
    app.add_middleware(OfrepFastPath, max_body_bytes=settings.max_body_bytes)
    metrics.install_metrics(app, settings)  # requests counted for /metrics
    counts = AccessCounts(settings.log_summary_seconds)
    setattr(app.state, ACCESS_LOG, counts)
    app.add_middleware(AccessLog, counts=counts)  # outermost: api/sdk/access_log.py

    # Before the routers: the liveness probe answers without waiting for FastAPI to finish
    # the routes of the routers below, which it does when a request first reaches them.
    @app.get("/healthz", tags=["health"], summary="Liveness probe", responses=answers(Health))
    async def healthz() -> JSONResponse:  # on the event loop: needs no worker thread
        return JSONResponse({"status": "ok", "version": __version__})

    routers = (projects, environments, catalog, flags, segments, audit, tokens)
    for module in (*routers, own_account, people, sdk, stream):
        app.include_router(
            module.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
        )
    app.include_router(  # no token: signing in, joining (api/people/account.py)
        own_account.public, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
    )

    app.include_router(  # SDK events: api/sdk/events.py
        events.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
    )
    app.include_router(ofrep.router)  # /ofrep/v1: api/sdk/ofrep.py
    for module in (deployments, deployment_config, deployment_insights, webhooks):  # the ledger
        app.include_router(
            module.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
        )

    # releases, trains, schedules, freezes, go-to-market checklists; communication: release
    # notes, outgoing webhooks, email subscribers, what's new for end users and feedback
    communication = (notes, outgoing_webhooks, email_subscribers, whatsnew, note_feedback)
    for module in (releases, release_schedules, release_checklist, *communication):
        app.include_router(
            module.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
        )

    for module in (insights, incidents_api):  # delivery insights: api/insights/
        app.include_router(
            module.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
        )

    app.include_router(metrics.router)  # /metrics: api/insights/metrics.py
    app.include_router(  # insights: api/insights/
        timeline.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
    )
    app.include_router(  # the releases calendar (iCalendar): api/communication/calendar_feed.py
        calendar_feed.router, prefix="/api/v1", dependencies=[Depends(reject_nul_in_path_and_query)]
    )
    app.include_router(whatsnew.widget_router)  # /widget/whats-new.js
    return app


API_DOCS = Path(__file__).with_name("apidocs")
"""Swagger UI and ReDoc as published on npm (``swagger-ui-dist``, ``redoc``), with their
licences, and the two pages that start them: see ``apidocs/README.md``."""
API_DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline script
        "style-src 'self' 'unsafe-inline'",  # both libraries inject styles when they run
        "img-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


def _serve_api_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), whose scripts and styles come from
    the package at ``/docs/assets/``: the pages work without internet access."""

    def page(name: str) -> Callable[[], Awaitable[FileResponse]]:
        async def serve_page() -> FileResponse:
            headers = {
                "Content-Security-Policy": API_DOCS_POLICY,
                "Referrer-Policy": "same-origin",
                "X-Content-Type-Options": "nosniff",
            }
            return FileResponse(API_DOCS / name, media_type="text/html", headers=headers)

        return serve_page

    app.add_api_route("/docs", page("swagger.html"), include_in_schema=False)
    app.add_api_route("/redoc", page("redoc.html"), include_in_schema=False)
    app.mount("/docs/assets", StaticFiles(directory=API_DOCS), name="api_docs_assets")
