"""Incoming webhooks: ``POST /api/v1/webhooks/github/{project}``.

No token: a delivery proves itself with ``X-Hub-Signature-256``, the HMAC-SHA256 of
the raw body with the project's webhook secret. A wrong or missing signature is 401
and nothing is stored; a body of the wrong shape is 400. A delivery sent again with
the same ``X-GitHub-Delivery`` id is recognised and ignored (``"action": "replayed"``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from premiere.api.deployments.models import WebhookResult
from premiere.api.deployments.routes import submit_verification
from premiere.api.models import answers
from premiere.services import Actor
from premiere.services.deployments.github import handle_github_event
from premiere.store import Store

GITHUB = Actor(kind="system", id="github-webhook", name="github")

router = APIRouter(tags=["deployments"], responses=answers(None, 400, 401, 404, 413, 422))


@router.post(
    "/webhooks/github/{project}",
    summary="GitHub deployment and deployment_status events",
    responses=answers(WebhookResult),
)
async def github_webhook(
    request: Request,
    project: str,
    event: Annotated[str | None, Header(alias="X-GitHub-Event", max_length=100)] = None,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256", max_length=200)] = None,
    delivery: Annotated[str | None, Header(alias="X-GitHub-Delivery", max_length=100)] = None,
) -> JSONResponse:
    body = await request.body()
    store: Store = request.app.state.store
    result = await run_in_threadpool(
        handle_github_event, store, project, event, signature, body, delivery
    )
    deployment = result.get("deployment")
    if isinstance(deployment, dict):
        submit_verification(request, deployment, GITHUB)
    return JSONResponse(result)
