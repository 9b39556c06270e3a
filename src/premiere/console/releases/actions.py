"""A release's actions as forms: schedule, start, advance, pause, resume, roll back,
and approve. Each calls the same service function as the API's route, with the
release's version from the form; a refusal (not ready, wrong state, a newer version,
one's own release) is shown on the release's page with the service's message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import Approver, ReleaseManager, actor_of, console_state, store_of
from premiere.console.errors import not_found_page
from premiere.console.forms import submit_form
from premiere.console.releases.page import build_release_page
from premiere.errors import ValidationError
from premiere.services import Actor
from premiere.services.releases import records as service
from premiere.store import Store

router = APIRouter(include_in_schema=False)

Action = Callable[[Store, Actor, str, str, Mapping[str, Any], int | None], Mapping[str, Any]]
ACTIONS: dict[str, tuple[Action, bool]] = {
    "schedule": (service.schedule_release, False),
    "start": (service.start_release, True),
    "advance": (service.advance_release, True),
    "pause": (service.pause_release, False),
    "resume": (service.resume_release, False),
    "rollback": (service.rollback_release, False),
}
"""Each action's service and whether it takes ``override_freeze``."""


@router.post("/projects/{project}/releases/{key}/approvals")
async def approve_form(request: Request, project: str, key: str, session: Approver) -> Response:
    store = store_of(request)
    context = await _page_context(request, store, project, key)

    def approve(form: dict[str, str]) -> Any:
        data = {name: form[name] for name in ("comment", "digest") if form.get(name)}
        return service.approve_release(store, actor_of(session), project, key, data)

    return await submit_form(
        request,
        session,
        approve,
        success=lambda _: f"/projects/{project}/releases/{key}#approvals",
        template="releases/page.html",
        context=context,
    )


@router.post("/projects/{project}/releases/{key}/{action}")
async def action_form(
    request: Request, project: str, key: str, action: str, session: ReleaseManager
) -> Response:
    if action not in ACTIONS:
        return not_found_page(request)
    act, takes_override = ACTIONS[action]
    store = store_of(request)
    context = await _page_context(request, store, project, key)

    def run(form: dict[str, str]) -> Any:
        version = read_version(form.get("version", ""))
        data: dict[str, Any] = {}
        if form.get("reason", "").strip():
            data["reason"] = form["reason"].strip()
        if takes_override and form.get("override_freeze") == "on":
            data["override_freeze"] = True
        return act(store, actor_of(session), project, key, data, version)

    return await submit_form(
        request,
        session,
        run,
        success=lambda _: f"/projects/{project}/releases/{key}",
        template="releases/page.html",
        context={**context, "refused": action},
    )


def read_version(text: str) -> int:
    """The version a form was based on (its hidden field)."""
    text = text.strip()
    if not text.isdigit() or len(text) > 12:
        raise ValidationError.single("version", "integer", "must be the release's version")
    return int(text)


async def _page_context(request: Request, store: Store, project: str, key: str) -> dict[str, Any]:
    now = console_state(request).clock()
    return await run_in_threadpool(build_release_page, store, project, key, now)
