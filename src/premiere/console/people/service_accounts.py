"""Service accounts (``/service-accounts``, for token admins): the names pipeline
tokens belong to. Create one, make it a deploy token (the secret shown once, as on the
tokens page), revoke a token, remove the account (its tokens are revoked with it)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import TokenAdmin, actor_of, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page, secure
from premiere.console.people.views import build_service_accounts, token_data
from premiere.services.people import account, accounts

router = APIRouter(include_in_schema=False)
ACCOUNTS = "/service-accounts"
ONE = ACCOUNTS + "/{account_id}"
TEMPLATE = "people/service_accounts.html"


@router.get(ACCOUNTS)
async def service_accounts_page(request: Request, session: TokenAdmin) -> Response:
    view = await run_in_threadpool(build_service_accounts, store_of(request))
    return page(request, TEMPLATE, view)


@router.post(ACCOUNTS)
async def create_service_account_form(request: Request, session: TokenAdmin) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    data = {"name": form.get("name", "")}
    try:
        await run_in_threadpool(accounts.create_service_account, store, actor_of(session), data)
    except FORM_ERRORS as exc:
        view = await run_in_threadpool(build_service_accounts, store)
        context = view | {"form": form, "errors": map_error_to_form(exc)}
        return page(request, TEMPLATE, context, status=422)
    return secure(RedirectResponse(ACCOUNTS, status_code=303))


@router.post(ACCOUNTS + "/tokens")
async def create_deploy_token_form(request: Request, session: TokenAdmin) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    owner = form.get("account", "")[:64]
    data = token_data(form, personal=False)
    try:
        created = await run_in_threadpool(
            account.create_owned_token, store, actor_of(session), owner, data, kind="service"
        )
    except FORM_ERRORS as exc:
        view = await run_in_threadpool(build_service_accounts, store)
        found = map_error_to_form(exc, {"name": "token_name"})
        if isinstance(exc, errors.NotFoundError):  # the account, or the project
            name = "project" if exc.details.get("resource") == "project" else "account"
            found = FormErrors()
            found.fields[name] = [exc.message]
            found.summary.append((name, exc.code, exc.message))
        context = view | {"token_form": form, "token_errors": found}
        return page(request, TEMPLATE, context, status=422)
    view = await run_in_threadpool(build_service_accounts, store)
    return page(request, TEMPLATE, view | {"created": created, "token_form": {"account": owner}})


@router.post(ONE + "/tokens/{token_id}/revoke")
async def revoke_deploy_token_form(
    request: Request, account_id: str, token_id: str, session: TokenAdmin
) -> Response:
    await read_form(request, session)
    await run_in_threadpool(
        account.revoke_owned_token, store_of(request), actor_of(session), account_id[:64],
        token_id[:64],
    )  # fmt: skip
    return secure(RedirectResponse(ACCOUNTS, status_code=303))


@router.post(ONE + "/remove")
async def remove_service_account_form(
    request: Request, account_id: str, session: TokenAdmin
) -> Response:
    await read_form(request, session)
    store = store_of(request)
    row = await run_in_threadpool(accounts.get_person, store, account_id[:64])
    if row["kind"] == "service":  # a person is removed from their own page
        await run_in_threadpool(accounts.remove_person, store, actor_of(session), row["id"])
    return secure(RedirectResponse(ACCOUNTS, status_code=303))
