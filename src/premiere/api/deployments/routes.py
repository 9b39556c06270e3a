"""The deployment ledger over HTTP: ``/api/v1/projects/{project}/deployments``.

``deploy`` tokens (bound to the project, or to none) and admin tokens may record,
report, promote and roll back. Verification checks run in a thread pool the app owns
(:class:`premiere.services.deployments.verification.Verifier`, started and stopped with the app);
``finish`` answers 202 while a deployment is verifying, or waits up to ``?wait=``
seconds for the outcome; the wait holds no thread (it awaits the verification task, or
polls the database when another replica runs the checks).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from premiere.api.auth import Deployer, LedgerReader, StoreDep, actor_of
from premiere.api.deployments.config import check_limits
from premiere.api.deployments.models import (
    DeploymentPage,
    DeploymentRecord,
    DeploymentView,
    FinishReport,
    PromoteRequest,
    RollbackRequest,
    StatusReport,
)
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.params import query_fields, utc_time
from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.deployments import history, ledger, promotion
from premiere.services.deployments.verification import Verifier
from premiere.services.people.tokens import TokenInfo
from premiere.store import Store

MAX_WAIT_SECONDS = 300
POLL_SECONDS = 0.2
"""How often a ``?wait=`` re-reads a deployment whose checks another replica runs."""


@asynccontextmanager
async def verifier_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the verification pool with the app (resuming deployments left verifying)
    and stop it with the app, letting running checks end (each is time-bounded)."""
    verifier = new_verifier(app)
    app.state.verifier = verifier
    await run_in_threadpool(verifier.resume)
    try:
        yield
    finally:
        await run_in_threadpool(verifier.close)


router = APIRouter(
    prefix="/projects/{project}/deployments",
    tags=["deployments"],
    responses=COMMON_ERRORS,
    lifespan=verifier_lifespan,
)

IdempotencyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="e.g. the pipeline run id."),
]
Filter = Annotated[str | None, Query(max_length=200)]
Wait = Annotated[
    float,
    Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for verification to end."),
]


@router.get("", summary="List deployments, newest first", responses=answers(DeploymentPage, 404))
def list_deployments(
    store: StoreDep,
    token: LedgerReader,
    project: str,
    service: Filter = None,
    environment: Filter = None,
    status: Filter = None,
    version: Filter = None,
    since: Annotated[datetime | None, Query(description="RFC 3339; created at or after.")] = None,
    until: Annotated[datetime | None, Query(description="RFC 3339; created before.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> JSONResponse:
    since_utc, until_utc = utc_time("since", since), utc_time("until", until)
    with query_fields():
        page = history.list_deployments(
            store,
            project,
            service=service,
            environment=environment,
            status=status,
            version=version,
            since=since_utc,
            until=until_utc,
            limit=limit,
            cursor=cursor,
        )
    return JSONResponse(page)


@router.post(
    "",
    status_code=201,
    summary="Record a deployment (idempotent by Idempotency-Key)",
    responses=answers(DeploymentView, 404, 409, status=201),
)
def record_deployment(
    store: StoreDep,
    token: Deployer,
    project: str,
    body: DeploymentRecord,
    idempotency_key: IdempotencyHeader = None,
) -> JSONResponse:
    view, created = ledger.record_deployment(
        store, actor_of(token), project, body.data(), idempotency_key=idempotency_key
    )
    return _created(project, view, created)


@router.post(
    "/promote",
    status_code=201,
    summary="Promote what runs verified in one environment to another",
    responses=answers(DeploymentView, 404, 409, status=201),
)
def promote(store: StoreDep, token: Deployer, project: str, body: PromoteRequest) -> JSONResponse:
    view, created = promotion.promote_deployment(store, actor_of(token), project, body.data())
    return _created(project, view, created)


@router.get("/{deployment}", summary="Get a deployment", responses=answers(DeploymentView, 404))
def get_deployment(
    store: StoreDep, token: LedgerReader, project: str, deployment: str
) -> JSONResponse:
    return JSONResponse(ledger.get_deployment(store, project, deployment_id(deployment)))


@router.post(
    "/{deployment}/status",
    summary="Report a deployment's status",
    responses=answers(DeploymentView, 404, 409),
)
async def report_status(
    request: Request,
    store: StoreDep,
    token: Deployer,
    project: str,
    deployment: str,
    body: StatusReport,
    wait: Wait = 0,
) -> JSONResponse:
    view = await run_in_threadpool(
        ledger.change_deployment_status,
        store,
        actor_of(token),
        project,
        deployment_id(deployment),
        body.data(),
    )
    return await _after_report(request, store, project, view, wait, token)


@router.post(
    "/{deployment}/finish",
    summary="Report a deployment done (runs its verification checks)",
    responses=answers(DeploymentView, 404, 409),
)
async def finish(
    request: Request,
    store: StoreDep,
    token: Deployer,
    project: str,
    deployment: str,
    body: FinishReport,
    wait: Wait = 0,
) -> JSONResponse:
    view = await run_in_threadpool(
        ledger.finish_deployment,
        store,
        actor_of(token),
        project,
        deployment_id(deployment),
        body.data(),
    )
    return await _after_report(request, store, project, view, wait, token)


@router.post(
    "/{deployment}/rollback",
    status_code=201,
    summary="Roll back: record the redeploy of the version that ran before",
    responses=answers(DeploymentView, 404, 409, status=201),
)
def rollback(
    store: StoreDep,
    token: Deployer,
    project: str,
    deployment: str,
    body: RollbackRequest | None = None,
) -> JSONResponse:
    data = body.data() if body is not None else {}
    view, created = promotion.rollback_deployment(
        store, actor_of(token), project, deployment_id(deployment), data
    )
    return _created(project, view, created)


def deployment_id(value: str) -> int:
    """Deployment ids are positive integers; anything else names no deployment."""
    if not value.isascii() or not value.isdigit() or len(value) > 18 or int(value) == 0:
        raise NotFoundError("deployment", value)
    return int(value)


def new_verifier(app: FastAPI) -> Verifier:
    """The app's verifier, held to the limits of its settings."""
    return Verifier(app.state.store, limits=check_limits(app))


def submit_verification(request: Request, view: Mapping[str, Any], actor: Actor) -> Verifier:
    """Start (or join) the checks of a deployment, when it is verifying."""
    verifier: Verifier | None = getattr(request.app.state, "verifier", None)
    if verifier is None:  # an app served without its lifespan: start the pool now
        verifier = request.app.state.verifier = new_verifier(request.app)
    if view.get("status") == "verifying":
        verifier.submit(int(view["id"]), actor)
    return verifier


async def await_verification(
    verifier: Verifier, store: Store, project: str, deployment: int, wait: float
) -> Mapping[str, Any]:
    """The deployment once its verification ended, or after ``wait`` seconds; no thread
    is held meanwhile (checks run by another replica are polled for)."""
    deadline = time.monotonic() + wait
    await verifier.wait_async(deployment, wait)
    while True:
        view = await run_in_threadpool(ledger.get_deployment, store, project, deployment)
        left = deadline - time.monotonic()
        if view.get("status") != "verifying" or left <= 0:
            return view
        await asyncio.sleep(min(POLL_SECONDS, left))


async def _after_report(
    request: Request,
    store: Store,
    project: str,
    view: Mapping[str, Any],
    wait: float,
    token: TokenInfo,
) -> JSONResponse:
    if view.get("status") == "verifying":
        verifier = submit_verification(request, view, actor_of(token))
        if wait > 0:
            view = await await_verification(verifier, store, project, int(view["id"]), wait)
    return JSONResponse(view, status_code=202 if view.get("status") == "verifying" else 200)


def _created(project: str, view: Mapping[str, Any], created: bool) -> JSONResponse:
    location = f"/api/v1/projects/{project}/deployments/{view['id']}"
    return JSONResponse(view, status_code=201 if created else 200, headers={"Location": location})
