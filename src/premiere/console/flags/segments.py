"""Segments: the list (``/projects/<project>/segments``, with search), a new segment, and
a segment's page to edit its name, included and excluded keys and rules.

A segment's page saves the whole segment through ``update_segment`` (as ``PUT`` of the
API does) with its version; its rules use the rule editor's pieces (``rule_forms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import FlagChanger, Reader, actor_of, read_form, store_of
from premiere.console.flags.rule_forms import (
    OPERATOR_LABELS,
    apply_edit,
    drafts_from_form,
    drafts_from_rules,
    form_field,
    known_fields,
    rules_from_drafts,
)
from premiere.console.forms import FORM_ERRORS, map_error_to_form, submit_form
from premiere.console.pages import frame, page, secure
from premiere.services.flags.segments import (
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    update_segment,
)
from premiere.store import Store

router = APIRouter(include_in_schema=False)

FIELDS = ("name", "description", "included", "excluded", "version")
REFUSED = (*FORM_ERRORS, errors.VersionRequiredError)
SEARCH_MAX = 200


@router.get("/projects/{project}/segments")
async def segment_list(
    request: Request,
    project: str,
    session: Reader,
    q: str = "",
) -> Response:
    """The segments whose key or name holds ``q`` (its first 200 characters)."""
    view = await run_in_threadpool(_list_view, store_of(request), project, q[:SEARCH_MAX])
    return page(request, "segments/list.html", view)


@router.post("/projects/{project}/segments")
async def new_segment(request: Request, project: str, session: FlagChanger) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(_list_view, store, project, "")
    return await submit_form(
        request,
        session,
        lambda form: create_segment(store, actor_of(session), project, _created(form)),
        success=lambda segment: _segment_path(project, segment["key"]),
        template="segments/list.html",
        context=view,
    )


@router.get("/projects/{project}/segments/{key}")
async def segment_page(request: Request, project: str, key: str, session: Reader) -> Response:
    view = await run_in_threadpool(_segment_view, store_of(request), project, key)
    segment = view["segment"]
    view["form"] = {
        "name": segment["name"],
        "description": segment["description"],
        "included": "\n".join(segment["included"]),
        "excluded": "\n".join(segment["excluded"]),
        "version": str(segment["version"]),
    }
    view["drafts"] = drafts_from_rules(segment["rules"], 0)
    return page(request, "segments/page.html", view)


@router.post("/projects/{project}/segments/{key}")
async def save_segment(request: Request, project: str, key: str, session: FlagChanger) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    view = await run_in_threadpool(_segment_view, store, project, key)
    drafts = drafts_from_form(form, 0)
    view["form"] = {name: form.get(name, "") for name in FIELDS}
    edited = apply_edit(drafts, form.get("action", "save"), 0)
    if edited is not None:
        return page(request, "segments/page.html", {**view, "drafts": edited, "unsaved": True})
    data = {
        "name": view["form"]["name"].strip(),
        "description": view["form"]["description"].strip(),
        "included": _lines(view["form"]["included"]),
        "excluded": _lines(view["form"]["excluded"]),
        "rules": rules_from_drafts(drafts, serves=False),
    }
    version = form.get("version", "")
    expected = int(version) if version.isdigit() and len(version) < 19 else None

    def save() -> Any:
        return update_segment(store, actor_of(session), project, key, data, expected)

    try:
        await run_in_threadpool(save)
    except REFUSED as exc:
        known = [*FIELDS, *known_fields(drafts, 0)]
        violations = exc.details.get("errors") if isinstance(exc, errors.ValidationError) else None
        paths = [str(v.get("field") or "") for v in violations or [] if isinstance(v, Mapping)]
        rename = {path: form_field(path, known) or "rules" for path in paths if path}
        view.update(drafts=drafts, unsaved=True, errors=map_error_to_form(exc, rename))
        if isinstance(exc, errors.VersionConflictError):
            view["current"] = view["segment"]
            view["form"]["version"] = str(view["segment"]["version"])
        return page(request, "segments/page.html", view, status=422)
    return secure(RedirectResponse(_segment_path(project, key) + "?saved=1", status_code=303))


@router.post("/projects/{project}/segments/{key}/delete")
async def remove_segment(
    request: Request,
    project: str,
    key: str,
    session: FlagChanger,
    version: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Delete the segment at ``version`` (the page's delete button carries it); refused,
    with the flags that use it named, while any flag configuration does."""
    await read_form(request, session)
    store = store_of(request)
    expected = int(version) if version.isdigit() else None
    try:
        await run_in_threadpool(delete_segment, store, actor_of(session), project, key, expected)
    except REFUSED as exc:
        view = await run_in_threadpool(_segment_view, store, project, key)
        segment = view["segment"]
        view["form"] = {name: segment[name] for name in ("name", "description")}
        view["form"].update(
            included="\n".join(segment["included"]),
            excluded="\n".join(segment["excluded"]),
            version=str(segment["version"]),
        )
        view.update(drafts=drafts_from_rules(segment["rules"], 0))
        view["errors"] = map_error_to_form(exc)
        return page(request, "segments/page.html", view, status=422)
    return secure(
        RedirectResponse(f"/projects/{quote(project, safe='')}/segments", status_code=303)
    )


def _list_view(store: Store, project: str, query: str) -> dict[str, Any]:
    found = [
        segment
        for segment in list_segments(store, project)
        if query.casefold() in f"{segment['key']} {segment['name']}".casefold()
    ]
    return {
        **frame(store, project, "segments"),
        "segments": found,
        "query": query,
    }


def _segment_view(store: Store, project: str, key: str) -> dict[str, Any]:
    return {
        **frame(store, project, "segments"),
        "segment": get_segment(store, project, key),
        "operators": OPERATOR_LABELS,
        "segments": [],
    }


def _created(form: Mapping[str, str]) -> dict[str, Any]:
    data = {"key": form.get("key", "").strip(), "name": form.get("name", "").strip()}
    return {name: value for name, value in data.items() if value or name == "key"}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _segment_path(project: str, key: str) -> str:
    return f"/projects/{quote(project, safe='')}/segments/{quote(key, safe='')}"
