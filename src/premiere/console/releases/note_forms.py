"""A release's note entries in the console: add one from the release's page, edit one
on its own page (with a preview of the Markdown before saving), publish, unpublish
and delete. Each form calls the same service function as the API's route.

The form holds every field of an entry: title, category, audience (everyone or a
segment), the linked features (a box per feature of the release, other flags by key),
links (label and URL rows, a few empty ones: more come after a save), an image URL and
the internal notes. A refused field shows its message and the rule's code beside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import ReleaseManager, actor_of, console_state, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page, secure
from premiere.console.releases.actions import read_version
from premiere.console.releases.notes import publication, render_markdown
from premiere.console.releases.page import build_release_page, note_choices
from premiere.errors import PremiereError, ValidationError
from premiere.services.communication import entries as service
from premiere.services.communication.views import NoteView
from premiere.services.projects import get_project, list_projects
from premiere.services.releases.records import get_release
from premiere.store import Store

router = APIRouter(include_in_schema=False)
FIELDS = ("title", "category", "audience", "body", "internal")
BLANK_LINK_ROWS = 3
_LINK_FIELD = re.compile(r"^links\[(\d+)\]\.(label|url)$")
_FEATURE_FIELD = re.compile(r"^features(\[\d+\])?$")


def note_data(form: Mapping[str, str], features: Sequence[str]) -> tuple[dict[str, Any], Any]:
    """The service's fields from the form (an empty audience is everyone, an empty
    image URL none; the release's features all ticked and no other: null), and the
    form's field for each service field the form renames: a link's row (empty rows are
    left out) and the other flags' box for the features."""
    data: dict[str, Any] = {name: form.get(name, "") for name in FIELDS}
    data["title"] = data["title"].strip()
    data["audience"] = data["audience"] or None
    if "image_url" in form:
        data["image_url"] = form["image_url"].strip() or None
    if "features_other" in form:
        checked = [key for key in features if form.get(f"feature.{key}") == "true"]
        others = [key for key in re.split(r"[\s,]+", form["features_other"]) if key]
        # every feature of the release and no other: null, the release's (edits follow)
        data["features"] = None if checked == list(features) and not others else checked + others
    rows: dict[int, int] = {}
    if "links[0].url" in form:
        data["links"] = []
        row = 0
        while f"links[{row}].url" in form:
            label = form.get(f"links[{row}].label", "").strip()
            url = form.get(f"links[{row}].url", "").strip()
            if label or url:
                rows[len(data["links"])] = row
                data["links"].append({"label": label, "url": url})
            row += 1
    return data, lambda name: _form_field(name, rows)


def note_form(note: NoteView, features: Sequence[str]) -> dict[str, str]:
    """The form's fields, filled from ``note``."""
    form = {name: str(note[name] or "") for name in FIELDS}  # type: ignore[literal-required]
    form["image_url"] = note["image_url"] or ""
    form |= {f"feature.{key}": "true" for key in note["features"] if key in features}
    form["features_other"] = ", ".join(key for key in note["features"] if key not in features)
    for row, link in enumerate(note["links"]):
        form[f"links[{row}].label"] = str(link.get("label", ""))
        form[f"links[{row}].url"] = str(link.get("url", ""))
    return form


def link_rows(form: Mapping[str, str], saved: int = 0) -> range:
    """The link rows to show: the ones sent (or ``saved``), and a few empty ones."""
    sent = 0
    while f"links[{sent}].url" in form:
        sent += 1
    return range(max(sent, saved + BLANK_LINK_ROWS))


@router.post("/projects/{project}/releases/{key}/notes")
async def create_note_form(
    request: Request, project: str, key: str, session: ReleaseManager
) -> Response:
    store = store_of(request)
    now = console_state(request).clock()
    context = await run_in_threadpool(build_release_page, store, project, key, now)
    form = await read_form(request, session)
    data, rename = note_data(form, context["feature_keys"])
    return await _submit(
        request,
        lambda: service.create_note(store, actor_of(session), project, key, data),
        lambda note: f"/projects/{project}/releases/{key}#note-{note['id']}",
        "releases/page.html",
        {**context, "form": form, "link_rows": link_rows(form)},
        rename,
    )


@router.get("/projects/{project}/releases/{key}/notes/{note_id:int}")
async def note_page(
    request: Request, project: str, key: str, note_id: int, session: ReleaseManager
) -> Response:
    view = await run_in_threadpool(build_note_page, store_of(request), project, key, note_id)
    note = view["note"]
    view["form"] = note_form(note, view["feature_keys"])
    view["link_rows"] = link_rows({}, len(note["links"]))
    return page(request, "releases/note.html", view)


@router.post("/projects/{project}/releases/{key}/notes/{note_id:int}")
async def edit_note_form(
    request: Request, project: str, key: str, note_id: int, session: ReleaseManager
) -> Response:
    """Save, or with the preview button, show the body as it will read (nothing saved)."""
    store = store_of(request)
    context = await run_in_threadpool(build_note_page, store, project, key, note_id)
    form = await read_form(request, session)  # the CSRF token checked first
    context |= {"form": form, "link_rows": link_rows(form)}
    if "preview" in form:
        context["preview"] = render_markdown(form.get("body", ""))
        return page(request, "releases/note.html", context)
    data, rename = note_data(form, context["feature_keys"])

    def save() -> Any:
        version = read_version(form.get("version", ""))
        return service.update_note(store, actor_of(session), project, key, note_id, data, version)

    return await _submit(
        request,
        save,
        lambda _: f"/projects/{project}/releases/{key}#note-{note_id}",
        "releases/note.html",
        context,
        rename,
    )


@router.post("/projects/{project}/releases/{key}/notes/{note_id:int}/{action}")
async def note_action_form(
    request: Request, project: str, key: str, note_id: int, action: str, session: ReleaseManager
) -> Response:
    store = store_of(request)
    context = await run_in_threadpool(build_note_page, store, project, key, note_id)
    form = await read_form(request, session)
    actions: dict[str, Callable[..., Any]] = {
        "publish": service.publish_note,
        "unpublish": service.unpublish_note,
        "delete": service.delete_note,
    }

    def run() -> Any:
        if action not in actions:
            raise ValidationError.single("action", "enum", "must be publish, unpublish or delete")
        version = read_version(form.get("version", ""))
        return actions[action](store, actor_of(session), project, key, note_id, version)

    note = context["note"]
    context |= {"form": note_form(note, context["feature_keys"])}
    context["link_rows"] = link_rows({}, len(note["links"]))
    return await _submit(
        request,
        run,
        lambda _: f"/projects/{project}/releases/{key}#notes-heading",
        "releases/note.html",
        context,
        lambda name: name,
    )


def build_note_page(store: Store, project: str, key: str, note_id: int) -> dict[str, Any]:
    view = service.get_note(store, project, key, note_id)
    release = get_release(store, project, key)
    note: dict[str, Any] = {**view, "body_html": render_markdown(view["body"])}
    return {
        "project": get_project(store, project),
        "projects": list_projects(store),
        "section": "releases",
        "release_key": key,
        "release": release,
        "note": note,
        "publication": publication(release, view),
        **note_choices(store, project, release),
    }


async def _submit(
    request: Request,
    call: Callable[[], Any],
    success: Callable[[Any], str],
    template: str,
    context: Mapping[str, Any],
    rename: Callable[[str], str],
) -> Response:
    """``submit_form``'s pattern, the form already read: each refused field shows its
    message with the rule's code, under the form's name for it."""
    try:
        result = await run_in_threadpool(call)
    except FORM_ERRORS as exc:
        found = _with_codes(exc, rename)
        return page(request, template, {**context, "errors": found}, status=422)
    return secure(RedirectResponse(success(result), status_code=303))


def _with_codes(exc: PremiereError, rename: Callable[[str], str]) -> FormErrors:
    """The form's errors, each at the form's field with the code of the rule it broke
    (a refused input's rule, ``url``; else the error's code, ``version_conflict``)."""
    found = map_error_to_form(exc)
    rules = [violation.rule for violation in getattr(exc, "violations", ())]
    shown = FormErrors()
    for index, (field, code, message) in enumerate(found.summary):
        name = rename(field) if field else None
        rule = rules[index] if index < len(rules) else code
        if name:
            shown.fields.setdefault(name, []).append(f"{message} [{rule}]")
        shown.summary.append((name, rule, message))
    return shown


def _form_field(name: str, rows: Mapping[int, int]) -> str:
    """A service field as the form's: ``links[1].url`` of the entry sent from row 3 is
    ``links[3].url``; ``features[0]`` is the other flags' box."""
    if _FEATURE_FIELD.match(name):
        return "features_other"
    match = _LINK_FIELD.match(name)
    if match and int(match[1]) in rows:
        return f"links[{rows[int(match[1])]}].{match[2]}"
    return name
