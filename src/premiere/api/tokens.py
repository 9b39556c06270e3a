"""API tokens: ``/api/v1/tokens``. The raw token is shown once, in the create response."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from premiere.api.auth import StoreDep, TokenAdmin, actor_of
from premiere.api.models import COMMON_ERRORS, TokenCreate, TokenCreated, TokenView, answers
from premiere.services.people import tokens as service

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=COMMON_ERRORS)


@router.get("", summary="List tokens (never their secrets)", responses=answers(list[TokenView]))
def list_tokens(store: StoreDep, token: TokenAdmin) -> JSONResponse:
    return JSONResponse(service.list_tokens(store))


@router.post(
    "",
    status_code=201,
    summary="Create a token; the response holds it once",
    responses=answers(TokenCreated, 404, status=201),
)
def create_token(store: StoreDep, token: TokenAdmin, body: TokenCreate) -> JSONResponse:
    view = service.create_token(store, actor_of(token), body.data())
    return JSONResponse(
        view,
        status_code=201,
        headers={"Location": f"/api/v1/tokens/{view['id']}", "Cache-Control": "no-store"},
    )


@router.delete(
    "/{token_id}",
    summary="Revoke a token (it answers 401 from then on)",
    responses=answers(TokenView, 404),
)
def revoke_token(store: StoreDep, token: TokenAdmin, token_id: str) -> JSONResponse:
    return JSONResponse(service.revoke_token(store, actor_of(token), token_id))
