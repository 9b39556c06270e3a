"""What SDKs download: ``GET /api/v1/sdk/flags``, the flag document of one environment.

The environment is the token's: ``sdk-server`` tokens get every flag, ``sdk-client``
tokens only client-visible ones; naming another one in ``?project=&environment=`` is
refused with 403. Admin tokens name the environment with those parameters.

The ETag is strong: ``"<project>/<environment>/<document version>/<audience>"``. The
document is immutable per version, so equal tags mean byte-equal bodies, and
``If-None-Match`` is answered with 304 from the version alone, without building the
document. The version is kept in memory for up to 0.5 s (dropped at once when this
process commits a change), so a 304 to a recently seen token needs no database read;
a change committed by another replica may take that long to show.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from premiere.api.auth import ADMIN, SDK_CLIENT, SdkCaller
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.sdk.models import FlagDocument
from premiere.errors import PermissionDeniedError, ValidationError, Violation
from premiere.services.sdk import documents
from premiere.services.sdk.compiled import CompiledDocuments

router = APIRouter(prefix="/sdk", tags=["sdk"], responses=COMMON_ERRORS)

KeyQuery = Annotated[str | None, Query(max_length=128, description="Required with admin tokens.")]


@router.get(
    "/flags",
    summary="The flag document of the token's environment",
    responses={
        **answers(FlagDocument, 404),
        304: {"description": "Unchanged since the ETag in If-None-Match."},
    },
)
async def get_flag_document(
    request: Request,
    token: SdkCaller,
    project: KeyQuery = None,
    environment: KeyQuery = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    project_key, environment_key = _target(
        token.scope, token.project, token.environment, project, environment
    )
    client_only = token.scope == SDK_CLIENT
    versions = versions_of(request.app)
    version = versions.cached_version(project_key, environment_key)
    if version is None:
        version = await run_in_threadpool(versions.version, project_key, environment_key)
    etag = document_etag(project_key, environment_key, version, client_only=client_only)
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization, X-API-Key"}
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    document = await run_in_threadpool(
        documents.build_flag_document,
        versions.store,
        project_key,
        environment_key,
        client_only=client_only,
    )
    return JSONResponse(document, headers=headers)


def versions_of(app: Any) -> CompiledDocuments:
    """The app's cache of document versions (re-read at most every 0.5 s, at once after a
    commit in this process), so that a 304 needs no database read."""
    state = app.state
    cache: CompiledDocuments | None = getattr(state, "sdk_document_versions", None)
    if cache is None or cache.store is not state.store:
        cache = state.sdk_document_versions = CompiledDocuments(state.store)
    return cache


def document_etag(project: str, environment: str, version: int, *, client_only: bool) -> str:
    audience = "client" if client_only else "server"
    return f'"{project}/{environment}/{version}/{audience}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as If-None-Match asks: ``W/`` prefixes are ignored; ``*`` matches."""
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.removeprefix("W/") == etag:
            return True
    return False


def _target(
    scope: str,
    token_project: str | None,
    token_environment: str | None,
    project: str | None,
    environment: str | None,
) -> tuple[str, str]:
    if scope == ADMIN:
        missing = [
            Violation(f"query.{name}", "required", f"admin tokens must name the {name}")
            for name, value in (("project", project), ("environment", environment))
            if not value
        ]
        if missing:
            raise ValidationError(missing)
        assert project is not None and environment is not None
        return project, environment
    if token_project is None or token_environment is None:
        raise PermissionDeniedError("this token is not bound to an environment", {"scope": scope})
    asked = (project or token_project, environment or token_environment)
    if asked != (token_project, token_environment):
        raise PermissionDeniedError(
            f"this token is bound to {token_project}/{token_environment}",
            {"scope": scope, "project": token_project, "environment": token_environment},
        )
    return token_project, token_environment
