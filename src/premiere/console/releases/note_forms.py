"""A release's note entries in the console: add one from the release's page, edit one
on its own page (with a preview of the Markdown before saving), publish, unpublish
and delete. Each form calls the same service function as the API's route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import SignedIn, actor_of, console_state, read_form, store_of
from premiere.console.forms import submit_form
from premiere.console.pages import page
from premiere.console.releases.actions import read_version
from premiere.console.releases.notes import render_markdown
from premiere.console.releases.page import build_release_page, note_choices
from premiere.errors import ValidationError
from premiere.services.communication import entries as service
from premiere.services.projects import get_project, list_projects
from premiere.store import Store

router = APIRouter(include_in_schema=False)
FIELDS = ("title", "category", "audience", "body", "internal")


def note_data(form: dict[str, str]) -> dict[str, Any]:
    """The service's fields from the form: an empty audience is everyone."""
    data: dict[str, Any] = {name: form.get(name, "") for name in FIELDS}
    data["title"] = data["title"].strip()
    data["audience"] = data["audience"] or None
    return data


@router.post("/projects/{project}/releases/{key}/notes")
async def create_note_form(request: Request, project: str, key: str, session: SignedIn) -> Response:
    store = store_of(request)
    now = console_state(request).clock()
    context = await run_in_threadpool(build_release_page, store, project, key, now)
    return await submit_form(
        request,
        session,
        lambda form: service.create_note(store, actor_of(session), project, key, note_data(form)),
        success=lambda note: f"/projects/{project}/releases/{key}#note-{note['id']}",
        template="releases/page.html",
        context=context,
    )


@router.get("/projects/{project}/releases/{key}/notes/{note_id:int}")
async def note_page(
    request: Request, project: str, key: str, note_id: int, session: SignedIn
) -> Response:
    view = await run_in_threadpool(build_note_page, store_of(request), project, key, note_id)
    note = view["note"]
    view["form"] = {name: note[name] or "" for name in FIELDS}
    return page(request, "releases/note.html", view)


@router.post("/projects/{project}/releases/{key}/notes/{note_id:int}")
async def edit_note_form(
    request: Request, project: str, key: str, note_id: int, session: SignedIn
) -> Response:
    """Save, or with the preview button, show the body as it will read (nothing saved)."""
    store = store_of(request)
    context = await run_in_threadpool(build_note_page, store, project, key, note_id)
    form = await read_form(request, session)  # the CSRF token checked first
    if "preview" in form:
        context |= {"form": form, "preview": render_markdown(form.get("body", ""))}
        return page(request, "releases/note.html", context)

    def save(form: dict[str, str]) -> Any:
        version = read_version(form.get("version", ""))
        data = note_data(form)
        return service.update_note(store, actor_of(session), project, key, note_id, data, version)

    return await submit_form(
        request,
        session,
        save,
        success=lambda _: f"/projects/{project}/releases/{key}#note-{note_id}",
        template="releases/note.html",
        context=context,
    )


@router.post("/projects/{project}/releases/{key}/notes/{note_id:int}/{action}")
async def note_action_form(
    request: Request, project: str, key: str, note_id: int, action: str, session: SignedIn
) -> Response:
    store = store_of(request)
    context = await run_in_threadpool(build_note_page, store, project, key, note_id)
    actions: dict[str, Callable[..., Any]] = {
        "publish": service.publish_note,
        "unpublish": service.unpublish_note,
        "delete": service.delete_note,
    }

    def run(form: dict[str, str]) -> Any:
        if action not in actions:
            raise ValidationError.single("action", "enum", "must be publish, unpublish or delete")
        version = read_version(form.get("version", ""))
        return actions[action](store, actor_of(session), project, key, note_id, version)

    return await submit_form(
        request,
        session,
        run,
        success=lambda _: f"/projects/{project}/releases/{key}#notes-heading",
        template="releases/note.html",
        context=context,
    )


def build_note_page(store: Store, project: str, key: str, note_id: int) -> dict[str, Any]:
    view = service.get_note(store, project, key, note_id)
    note: dict[str, Any] = {**view, "body_html": render_markdown(view["body"])}
    return {
        "project": get_project(store, project),
        "projects": list_projects(store),
        "section": "releases",
        "release_key": key,
        "note": note,
        **note_choices(store, project),
    }
