"""API tokens: the list (never a secret), create (the secret shown once) and revoke.

Tokens belong to the server, not to one project (``/api/v1/tokens``); the page sits
under a project (``/projects/<project>/tokens``) so the header keeps its sections, and
its create form proposes that project. Creating answers with the page that shows the
new token once (200, ``no-store``) instead of a redirect: the secret is never stored,
so no later page could show it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import TokenAdmin, actor_of, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page, secure
from premiere.services import Actor
from premiere.services.environments import list_environments
from premiere.services.people import tokens
from premiere.services.people.tokens import SCOPES
from premiere.services.projects import get_project, list_projects
from premiere.store import Store

router = APIRouter(include_in_schema=False)

FIELDS = ("name", "scope", "project", "environment")


@router.get("/projects/{project}/tokens")
async def token_list(request: Request, project: str, session: TokenAdmin) -> Response:
    view = await run_in_threadpool(build_tokens, store_of(request), project)
    return page(request, "tokens/page.html", view)


@router.post("/projects/{project}/tokens")
async def create_token_form(request: Request, project: str, session: TokenAdmin) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    view = await run_in_threadpool(build_tokens, store, project)
    data = token_data(form)
    try:
        created = await run_in_threadpool(tokens.create_token, store, actor_of(session), data)
    except FORM_ERRORS as exc:
        context = view | {"form": form, "errors": map_error_to_form(exc)}
        return page(request, "tokens/page.html", context, status=422)
    view = await run_in_threadpool(build_tokens, store, project)
    return page(request, "tokens/created.html", view | {"created": created})


@router.post("/projects/{project}/tokens/{token_id}/revoke")
async def revoke_token_form(
    request: Request, project: str, token_id: str, session: TokenAdmin
) -> Response:
    await read_form(request, session)
    store = store_of(request)
    await run_in_threadpool(get_project, store, project)
    await run_in_threadpool(tokens.revoke_token, store, actor_of(session), token_id[:64])
    target = f"/projects/{project}/tokens"
    if session.actor == Actor(kind="token", id=token_id, name=session.actor.name):
        # this session ended with its token
        target = "/sign-in"
    return secure(RedirectResponse(target, status_code=303))


def token_data(form: dict[str, str]) -> dict[str, Any]:
    """The service's input from the form: an empty project or environment is none."""
    data: dict[str, Any] = {"name": form.get("name", ""), "scope": form.get("scope", "")}
    for name in ("project", "environment"):
        data[name] = form.get(name) or None
    return data


def build_tokens(store: Store, project: str) -> dict[str, Any]:
    """Every token (revoked ones last) and the create form's choices."""
    every = tokens.list_tokens(store)
    projects = list_projects(store)
    environments = list_environments(store, project)
    return {
        "project": get_project(store, project),
        "projects": projects,
        "section": "settings",
        "tokens": sorted(every, key=lambda token: token["revoked_at"] is not None),
        "scope_options": [(scope, scope) for scope in SCOPES if scope != "personal"],
        "project_options": [("", "Every project")]
        + [(item["key"], item["name"]) for item in projects],
        "environment_options": [("", "Every environment")]
        + [(item["key"], item["name"]) for item in environments],
        "form": {"scope": "deploy", "project": project},
        "errors": FormErrors(),
    }
