"""Editing a release not yet started: ``/projects/<project>/releases/<key>/edit``.

The create form (``releases/_form.html``), filled from the release, with the version it
was read at. Saving hands the form, read as the create form is, to ``update_release``
with that version: a release changed meanwhile is refused with ``version_conflict``, the
input kept and the current version taken, so a second save replaces the other change.
An edit of what approvers approved (environment, features, audience, plan) voids their
approvals, as the service's rule says; the form says so beforehand, the page afterwards.
Release notes are not part of this form: they are edited on the release's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import ReleaseManager, actor_of, read_form, store_of
from premiere.console.forms import FORM_ERRORS, map_error_to_form
from premiere.console.pages import page, secure
from premiere.console.releases.create import FIELD_NAMES, form_context, read_release_form
from premiere.console.releases.create import variation_text as shown
from premiere.services import Actor
from premiere.services.flags.definitions import get_flag
from premiere.services.releases.records import get_release, update_release
from premiere.services.releases.rows import EDITABLE
from premiere.store import Store

router = APIRouter(include_in_schema=False)
PATH = "/projects/{project}/releases/{key}/edit"


@router.get(PATH)
async def edit_release_page(
    request: Request, project: str, key: str, session: ReleaseManager
) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(edit_context, store, project, key)
    form = await run_in_threadpool(release_form, store, project, view["editing"])
    return page(request, "releases/edit.html", {**view, "form": form, "errors": None})


@router.post(PATH)
async def save_release_form(
    request: Request, project: str, key: str, session: ReleaseManager
) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    try:
        await run_in_threadpool(_save, store, actor_of(session), project, key, form)
    except FORM_ERRORS as exc:
        view = await run_in_threadpool(edit_context, store, project, key)
        conflict = isinstance(exc, errors.VersionConflictError)
        # A stale form takes the current version (saving again replaces the change made
        # meanwhile); any other refusal keeps the version the form was read at.
        version = view["version"] if conflict else form.get("version", "")
        found = map_error_to_form(exc, FIELD_NAMES)
        context = {**view, "form": form, "errors": found, "conflict": conflict, "version": version}
        return page(request, "releases/edit.html", context, status=422)
    return secure(RedirectResponse(f"{_release_url(project, key)}?edited=1", status_code=303))


def edit_context(store: Store, project: str, key: str) -> dict[str, Any]:
    release = get_release(store, project, key)
    return {
        **form_context(store, project),
        "editing": release,
        "version": release["version"],
        "editable": release["state"] in EDITABLE,
    }


def release_form(store: Store, project: str, release: Mapping[str, Any]) -> dict[str, str]:
    """The create form's fields, filled from ``release``."""
    schedule = release["schedule"]
    form = {
        "name": release["name"],
        "description": release["description"],
        "environment": release["environment"],
        "audience": (release["audience"] or {}).get("segment") or "",
        "plan": "\n".join(plan_line(stage) for stage in release["plan"]["stages"]),
        "required_approvals": str(release["required_approvals"]),
        "timezone": schedule.get("timezone") or "UTC",
        "start_at": _local(schedule.get("start_at"), schedule.get("timezone") or "UTC"),
        "train": schedule.get("train") or "",
        "announce_at": release["announce"]["at"],
        "announce_percent": _percent(release["announce"].get("percent")),
    }
    for index, feature in enumerate(release["features"]):
        form[f"feature_flag_{index}"] = feature["flag"]
        form[f"feature_value_{index}"] = _value_of(store, project, feature)
    return form


def plan_line(stage: Mapping[str, Any]) -> str:
    """A stage as the plan field's line: ``5% hold 3600 manual``, ``segment staff``."""
    first = f"segment {stage['segment']}" if stage.get("segment") else f"{stage['percent']:g}%"
    hold = f" hold {stage['hold_seconds']}" if stage.get("hold_seconds") else ""
    return first + hold + (" manual" if stage.get("advance") == "manual" else "")


def _save(store: Store, actor: Actor, project: str, key: str, form: Mapping[str, str]) -> Any:
    data = read_release_form(store, project, form)
    del data["key"]
    data["description"] = form.get("description", "").strip()
    data.pop("notes", None)  # notes are edited on the release's page
    _keep_min_versions(data, get_release(store, project, key))
    version = form.get("version", "")
    expected = int(version) if version.isdigit() and len(version) < 19 else None
    return update_release(store, actor, project, key, data, expected)


def _keep_min_versions(data: dict[str, Any], release: Mapping[str, Any]) -> None:
    """The form has no field for a feature's ``min_versions``: a flag still in the
    release keeps the ones it had."""
    had = {f["flag"]: f.get("min_versions") for f in release["features"]}
    for feature in data.get("features") or []:
        if had.get(feature.get("flag")):
            feature["min_versions"] = had[feature["flag"]]


def _value_of(store: Store, project: str, feature: Mapping[str, Any]) -> str:
    try:
        variations = get_flag(store, project, feature["flag"])["variations"]
        return shown(variations[int(feature["variation"])]["value"])
    except (errors.NotFoundError, IndexError, KeyError, TypeError):
        return str(feature.get("variation", ""))


def _percent(value: Any) -> str:
    return "" if value is None else f"{float(value):g}"


def _local(start_at: str | None, timezone: str) -> str:
    if not start_at:
        return ""
    instant = datetime.fromisoformat(start_at.replace("Z", "+00:00"))
    return instant.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def _release_url(project: str, key: str) -> str:
    return f"/projects/{quote(project, safe='')}/releases/{quote(key, safe='')}"
