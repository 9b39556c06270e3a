"""Deployments: the history (filters, cursor paging) and a deployment's page, with
promote, report finished and roll back as confirmed forms calling the services the API
calls (report finished is ``POST .../finish``: what a pipeline reports when it is done).

A refusal (the environment policy, a deployment that cannot be rolled back) is shown
at the action, on the deployment's page again (422), with the service's message.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere import errors
from premiere.console.auth import Deployer, LedgerReader, actor_of, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form, submit_form
from premiere.console.pages import page
from premiere.services.catalog import list_services
from premiere.services.deployments import history, ledger, promotion
from premiere.services.deployments.rules import STATUSES
from premiere.services.deployments.views import DeploymentView
from premiere.services.environments import list_environments
from premiere.services.projects import get_project, list_projects
from premiere.store import Store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
FILTERS = ("service", "environment", "status", "since", "until")
MAX_FILTER = 200
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


@router.get("/projects/{project}/deployments")
async def deployment_list(request: Request, project: str, session: LedgerReader) -> Response:
    query = {name: request.query_params.get(name, "")[:MAX_FILTER] for name in FILTERS}
    cursor = request.query_params.get("cursor") or None
    view = await run_in_threadpool(build_history, store_of(request), project, query, cursor)
    return page(request, "deployments/list.html", view, status=422 if view["errors"] else 200)


def build_history(
    store: Store, project: str, query: dict[str, str], cursor: str | None
) -> dict[str, Any]:
    """The history page: the deployments the filters select, or the filters' errors."""
    view = _frame(store, project) | {"query": query, "items": [], "next": None}
    view["status_options"] = [(status, status.replace("_", " ")) for status in STATUSES]
    try:
        found = history.list_deployments(
            store,
            project,
            service=query["service"] or None,
            environment=query["environment"] or None,
            status=query["status"] or None,
            since=utc_text(query["since"]),
            until=utc_text(query["until"]),
            limit=PAGE_SIZE,
            cursor=cursor[:500] if cursor else None,
        )
    except FORM_ERRORS as exc:
        view["errors"] = map_error_to_form(exc)
        return view
    view["errors"] = FormErrors()
    view["items"] = found["items"]
    if found["next_cursor"]:
        kept = {name: value for name, value in query.items() if value}
        view["next"] = "?" + urlencode(kept | {"cursor": found["next_cursor"]})
    return view


def utc_text(value: str) -> str | None:
    """A filter's time as the services read it: a date (``2026-12-01``) is its midnight
    UTC, a browser's ``datetime-local`` (``2026-12-01T09:30``) is read as UTC; any other
    text is passed on for the service to judge."""
    if not value:
        return None
    if DATE.match(value):
        return f"{value}T00:00:00Z"
    if MINUTE.match(value):
        return f"{value}:00Z"
    return value


@router.get("/projects/{project}/deployments/{deployment}")
async def deployment_page(
    request: Request, project: str, deployment: str, session: LedgerReader
) -> Response:
    view = await run_in_threadpool(
        build_deployment, store_of(request), project, deployment_id(deployment)
    )
    return page(request, "deployments/detail.html", view)


@router.post("/projects/{project}/deployments/{deployment}/promote")
async def promote_form(
    request: Request, project: str, deployment: str, session: Deployer
) -> Response:
    store, number = store_of(request), deployment_id(deployment)
    view = await run_in_threadpool(build_deployment, store, project, number)
    current: DeploymentView = view["deployment"]

    def promote(form: dict[str, str]) -> DeploymentView:
        data = {"service": current["service"], "from": current["environment"]}
        data["to"] = form.get("to", "")
        created, _ = promotion.promote_deployment(store, actor_of(session), project, data)
        return created

    return await submit_form(
        request,
        session,
        promote,
        success=lambda created: f"/projects/{project}/deployments/{created['id']}",
        template="deployments/detail.html",
        context=view | {"action": "promote"},
    )


@router.post("/projects/{project}/deployments/{deployment}/rollback")
async def rollback_form(
    request: Request, project: str, deployment: str, session: Deployer
) -> Response:
    store, number = store_of(request), deployment_id(deployment)
    view = await run_in_threadpool(build_deployment, store, project, number)

    def roll_back(form: dict[str, str]) -> DeploymentView:
        data = {"reason": form["reason"]} if form.get("reason") else {}
        created, _ = promotion.rollback_deployment(store, actor_of(session), project, number, data)
        return created

    return await submit_form(
        request,
        session,
        roll_back,
        success=lambda created: f"/projects/{project}/deployments/{created['id']}",
        template="deployments/detail.html",
        context=view | {"action": "rollback"},
    )


@router.post("/projects/{project}/deployments/{deployment}/finish")
async def finish_form(
    request: Request, project: str, deployment: str, session: Deployer
) -> Response:
    store, number = store_of(request), deployment_id(deployment)
    view = await run_in_threadpool(build_deployment, store, project, number)

    def finish(form: dict[str, str]) -> DeploymentView:
        data = {"outcome": form.get("outcome", "")}
        if form.get("reason"):
            data["reason"] = form["reason"]
        return ledger.finish_deployment(store, actor_of(session), project, number, data)

    return await submit_form(
        request,
        session,
        finish,
        success=lambda finished: f"/projects/{project}/deployments/{finished['id']}",
        template="deployments/detail.html",
        context=view | {"action": "finish"},
    )


def build_deployment(store: Store, project: str, number: int) -> dict[str, Any]:
    """A deployment's page: the deployment and the environment a promotion goes to."""
    view = _frame(store, project)
    deployment = ledger.get_deployment(store, project, number)
    keys = [environment["key"] for environment in view["environments"]]
    here = keys.index(deployment["environment"]) if deployment["environment"] in keys else -1
    view["deployment"] = deployment
    view["next_environment"] = keys[here + 1] if 0 <= here < len(keys) - 1 else None
    view["errors"] = FormErrors()
    view["form"] = {}
    return view


def deployment_id(value: str) -> int:
    """Deployment ids are positive integers; anything else names no deployment."""
    if not value.isascii() or not value.isdigit() or len(value) > 18 or int(value) == 0:
        raise errors.NotFoundError("deployment", value)
    return int(value)


def _frame(store: Store, project: str) -> dict[str, Any]:
    project_view = get_project(store, project)
    services = list_services(store, project)
    environments = list_environments(store, project)
    return {
        "project": project_view,
        "projects": list_projects(store),
        "section": "deployments",
        "environments": environments,
        "service_options": [(item["key"], item["name"]) for item in services],
        "environment_options": [(item["key"], item["name"]) for item in environments],
    }
