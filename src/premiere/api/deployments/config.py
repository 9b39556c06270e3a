"""Deployment configuration: verification checks, environment policies, webhook secrets.

Writes here are admin only. A command check runs a program on the Premiere server as
its user, so configuring checks is an admin's decision; reading them is open to
``deploy`` tokens too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import JSONResponse, Response

from premiere.api.auth import LedgerReader, SettingsAdmin, StoreDep, actor_of
from premiere.api.deployments.models import (
    CheckBody,
    CheckView,
    PolicyUpdate,
    PolicyView,
    SecretUpdate,
    SecretView,
)
from premiere.api.models import COMMON_ERRORS, CREATE_ERRORS, UPDATE_ERRORS, answers
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services.deployments import checks, github, promotion
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.probes import CheckLimits
from premiere.settings import Settings

router = APIRouter(prefix="/projects/{project}", responses=COMMON_ERRORS)
CHECKS = "/services/{service}/checks"


def check_limits(app: FastAPI) -> CheckLimits:
    """What the app's checks are held to, from its settings; their ``addresses`` also
    judge a check's URL when it is written."""
    settings: Settings = getattr(app.state, "settings", None) or Settings()
    return CheckLimits.from_settings(settings)


def _addresses(request: Request) -> AddressPolicy:
    return check_limits(request.app).addresses


Addresses = Annotated[AddressPolicy, Depends(_addresses)]


@router.get(
    CHECKS,
    tags=["deployments"],
    summary="List a service's verification checks",
    responses=answers(list[CheckView], 404),
)
def list_checks(store: StoreDep, token: LedgerReader, project: str, service: str) -> JSONResponse:
    return JSONResponse(checks.list_checks(store, project, service))


@router.post(
    CHECKS,
    status_code=201,
    tags=["deployments"],
    summary="Create a verification check",
    responses=answers(CheckView, *CREATE_ERRORS, status=201),
)
def create_check(
    store: StoreDep,
    token: SettingsAdmin,
    addresses: Addresses,
    project: str,
    service: str,
    body: CheckBody,
) -> JSONResponse:
    view = checks.create_check(store, actor_of(token), project, service, body.data(), addresses)
    location = f"/api/v1/projects/{project}/services/{service}/checks/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get(
    CHECKS + "/{key}",
    tags=["deployments"],
    summary="Get a verification check",
    responses=answers(CheckView, 404),
)
def get_check(
    store: StoreDep, token: LedgerReader, project: str, service: str, key: str
) -> JSONResponse:
    return resource_response(checks.get_check(store, project, service, key))


@router.put(
    CHECKS + "/{key}",
    tags=["deployments"],
    summary="Replace a verification check",
    responses=answers(CheckView, *UPDATE_ERRORS),
)
def replace_check(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    service: str,
    key: str,
    body: CheckBody,
    addresses: Addresses,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = checks.replace_check(
        store, actor_of(token), project, service, key, body.data(), version, addresses
    )
    return resource_response(view)


@router.delete(
    CHECKS + "/{key}",
    status_code=204,
    tags=["deployments"],
    summary="Delete a verification check",
    responses=answers(None, *UPDATE_ERRORS),
)
def delete_check(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    service: str,
    key: str,
    if_match: IfMatch = None,
) -> Response:
    version = expected_version(if_match, None)
    checks.delete_check(store, actor_of(token), project, service, key, version)
    return Response(status_code=204)


@router.get(
    "/environments/{environment}/policy",
    tags=["deployments"],
    summary="Get an environment's deployment policy",
    responses=answers(PolicyView, 404),
)
def get_policy(
    store: StoreDep, token: LedgerReader, project: str, environment: str
) -> JSONResponse:
    return resource_response(promotion.get_environment_policy(store, project, environment))


@router.put(
    "/environments/{environment}/policy",
    tags=["deployments"],
    summary="Set an environment's deployment policy",
    responses=answers(PolicyView, *UPDATE_ERRORS),
)
def update_policy(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    environment: str,
    body: PolicyUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = promotion.update_environment_policy(
        store, actor_of(token), project, environment, body.data(), version
    )
    return resource_response(view)


@router.get(
    "/webhooks/github/secret",
    tags=["deployments"],
    summary="Whether a GitHub webhook secret is set (never the secret)",
    responses=answers(SecretView, 404),
)
def get_secret(store: StoreDep, token: SettingsAdmin, project: str) -> JSONResponse:
    return JSONResponse(github.get_webhook_secret(store, project))


@router.put(
    "/webhooks/github/secret",
    tags=["deployments"],
    summary="Set the GitHub webhook secret",
    responses=answers(SecretView, 404),
)
def set_secret(
    store: StoreDep, token: SettingsAdmin, project: str, body: SecretUpdate
) -> JSONResponse:
    return JSONResponse(github.set_webhook_secret(store, actor_of(token), project, body.data()))


@router.delete(
    "/webhooks/github/secret",
    status_code=204,
    tags=["deployments"],
    summary="Remove the GitHub webhook secret",
    responses=answers(None, 404),
)
def delete_secret(store: StoreDep, token: SettingsAdmin, project: str) -> Response:
    github.delete_webhook_secret(store, actor_of(token), project)
    return Response(status_code=204)
