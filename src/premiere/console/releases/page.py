"""A release's page (``/projects/<project>/releases/<key>``) and its progress fragment.

The page shows readiness as a list (what is missing, with links), the go-to-market
checklist (its ticks are forms, with who ticked and when), approvals
(valid and voided), the plan and each stage's progress, a chart per guard, the
actions, its note entries (with their states, a preview and a form to add one), the
webhook deliveries of events about it (announcements) and the release's audit trail.
Its progress fragment (state, plan, guard charts) is fetched again by ``live.js``
when the console stream reports a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import Reader, console_state, store_of
from premiere.console.pages import page
from premiere.console.releases.chart import guard_charts
from premiere.console.releases.notes import announcement_point, render_markdown
from premiere.console.releases.views import plan_rows, release_row
from premiere.services.audit import list_audit_events
from premiere.services.communication.entries import list_release_notes
from premiere.services.communication.feedback import REACTIONS, summarize_release_feedback
from premiere.services.communication.fields import CATEGORIES
from premiere.services.communication.outbox import list_release_announcements
from premiere.services.flags.segments import list_segments
from premiere.services.projects import get_project, list_projects
from premiere.services.releases.checklist import get_release_checklist
from premiere.services.releases.records import (
    get_release,
    get_release_readiness,
    list_guard_decisions,
    list_release_approvals,
)
from premiere.store import Store

router = APIRouter(include_in_schema=False)
AUDIT_EVENTS = 50
ACTIONS_BY_STATE = {
    "draft": ("schedule", "start"),
    "scheduled": ("start",),
    "ready": ("start",),
    "rolling_out": ("advance", "pause", "rollback"),
    "paused": ("resume", "rollback"),
}
"""The actions a release's state offers (the services still decide)."""


@router.get("/projects/{project}/releases/{key}")
async def release_page(request: Request, project: str, key: str, session: Reader) -> Response:
    now = console_state(request).clock()
    view = await run_in_threadpool(build_release_page, store_of(request), project, key, now)
    return page(request, "releases/page.html", view)


@router.get("/projects/{project}/releases/{key}/fragments/progress")
async def progress_fragment(request: Request, project: str, key: str, session: Reader) -> Response:
    view = await run_in_threadpool(build_progress, store_of(request), project, key)
    return page(request, "releases/progress.html", view)


def build_release_page(store: Store, project: str, key: str, now: datetime) -> dict[str, Any]:
    """Everything the release's page shows, from the services the API uses."""
    view = build_progress(store, project, key)
    release = view["release"]
    view["projects"] = list_projects(store)
    view["section"] = "releases"
    readiness = get_release_readiness(store, project, key, now=now)
    view["readiness"] = {
        "ready": readiness["ready"],
        "missing": [readiness_item(project, release, item) for item in readiness["missing"]],
    }
    view["checklist"] = get_release_checklist(store, project, key, now=now)
    view["approvals"] = list_release_approvals(store, project, key)
    view["actions"] = ACTIONS_BY_STATE.get(release["state"], ())
    view["notes"] = [
        {**note, "body_html": render_markdown(note["body"])}
        for note in list_release_notes(store, project, key)
    ]
    view["feedback"] = feedback_rows(summarize_release_feedback(store, project, key))
    view |= note_choices(store, project, release)
    view["announcement_point"] = announcement_point(release)
    events = list_audit_events(
        store, project=project, resource_type="release", resource_key=key, limit=AUDIT_EVENTS
    )
    view["events"] = events["items"]
    view["announcements"] = list_release_announcements(store, project, key)
    return view


def feedback_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """End users' feedback per stage, then in all: reactions, comments (none: [])."""
    if not summary["stages"]:
        return []
    return [
        [c["label"], *(str(c["reactions"][r]) for r in REACTIONS), str(c["comments"])]
        for c in [*summary["stages"], summary["total"]]
    ]


def note_choices(store: Store, project: str, release: Mapping[str, Any]) -> dict[str, Any]:
    """The categories, audiences and features a note's form offers."""
    segments = [(s["key"], f"Segment {s['key']}") for s in list_segments(store, project)]
    return {
        "category_options": list(CATEGORIES),
        "audience_options": segments,
        "feature_keys": [str(feature["flag"]) for feature in release["features"]],
    }


def build_progress(store: Store, project: str, key: str) -> dict[str, Any]:
    """The part of the page that moves on its own: state, plan, guards."""
    release = get_release(store, project, key)
    return {
        "project": get_project(store, project),
        "release": release,
        "row": release_row(release),
        "plan": plan_rows(release),
        "charts": guard_charts(release["guards"], list_guard_decisions(store, project, key)),
    }


def readiness_item(
    project: str, release: Mapping[str, Any], item: Mapping[str, Any]
) -> dict[str, str]:
    """A missing item as a sentence, and where to go to fix it."""
    base = f"/projects/{quote(project, safe='')}"
    kind, flag, service = item["kind"], item.get("flag"), item.get("service")
    found = item.get("found")
    if kind == "deployment":
        where = f"service {service}" if service else "a service"
        text = f"Flag {flag}: needs {where} {item['needed']} in {release['environment']}"
        if isinstance(found, Mapping):
            text += (
                f"; {found.get('service')} {found.get('version')} runs there, "
                f"{found.get('status')}, verification {found.get('verification') or 'not run'}"
            )
            return {
                "text": text,
                "href": f"{base}/deployments/{found.get('id')}",
                "link": "Open the deployment",
            }
        if found:
            text += f"; {found} runs there"
        # The version is found (and promoted from) an earlier environment: every
        # environment's deployments of the service, not only this one's.
        query = urlencode({"service": service} if service else {})
        link = "Find the version to promote"
        return {"text": text, "href": f"{base}/deployments?{query}", "link": link}
    if kind == "flag":
        text = f"Flag {flag}: needs {item['needed']}" + (f" ({found})" if found else "")
        return {
            "text": text,
            "href": f"{base}/flags/{quote(str(flag), safe='')}",
            "link": "Open the flag",
        }
    if kind == "approvals":
        text = f"Approvals: {found} of {item['needed']} required"
        return {"text": text, "href": "#approvals", "link": "Approve"}
    if kind == "checklist":
        needed = item["needed"]
        text = f"Checklist: {needed['title']} (owner {needed['owner']}) is not done"
        return {"text": text, "href": f"#item-{needed['item']}", "link": "Go to the item"}
    if kind == "freeze":
        text = f"Freeze window: {found}"
        return {"text": text, "href": f"{base}/releases/calendar", "link": "See the calendar"}
    text = f"{kind.capitalize()} {item['needed']}: {found}"
    return {"text": text, "href": f"{base}/settings", "link": "Project settings"}
