"""The flag list (search, filters, paging) and the form that creates a flag.

Search matches a flag's key, name or one of its tags; the filters are the kind and,
in one environment, a state: on, off, rolling out (on, serving a percentage rollout
to some or all) or in a release (named by a release not yet finished). The list is
paged on the server, ``PAGE_SIZE`` flags a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import SignedIn, store_of
from premiere.console.flags.fields import (
    actor_of,
    flag_url,
    keys,
    on_fields,
    text,
    variation_values,
)
from premiere.console.forms import submit_form
from premiere.console.pages import page
from premiere.services.environments import list_environments
from premiere.services.flags.definitions import create_flag, list_flags
from premiere.services.mappers import FlagView
from premiere.services.projects import get_project, list_projects
from premiere.services.releases.records import list_releases
from premiere.store import Store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
KINDS = ("boolean", "string", "number", "json")
STATES = {"on": "on", "off": "off", "rolling_out": "rolling out", "in_release": "in a release"}
FINISHED = ("released", "rolled_back")
CREATE_FIELDS = ("key", "name", "kind", "variations", "tags")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str = ""
    environment: str = ""
    state: str = ""
    page: int = 1


Text = Annotated[str, Query(max_length=200)]


@router.get("/projects/{project}/flags")
async def flag_list(
    request: Request,
    project: str,
    session: SignedIn,
    q: Text = "",
    kind: Text = "",
    environment: Text = "",
    state: Text = "",
    page_: Annotated[str, Query(alias="page", max_length=9)] = "1",
) -> Response:
    number = int(page_) if page_.isdigit() and int(page_) > 0 else 1
    filters = Filters(q.strip(), kind, environment, state, number)
    view = await run_in_threadpool(build_list, store_of(request), project, filters)
    return page(request, "flags/list.html", view)


@router.get("/projects/{project}/flags/new")
async def new_flag(request: Request, project: str, session: SignedIn) -> Response:
    context = await run_in_threadpool(_form_context, store_of(request), project)
    return page(request, "flags/new.html", {**context, "form": {"kind": "boolean"}})


@router.post("/projects/{project}/flags/new")
async def create_flag_form(request: Request, project: str, session: SignedIn) -> Response:
    store = store_of(request)
    context = await run_in_threadpool(_form_context, store, project)
    return await submit_form(
        request,
        session,
        lambda form: on_fields(
            lambda: create_flag(store, actor_of(session), project, _flag_data(form)),
            CREATE_FIELDS,
            "key",
        ),
        success=lambda flag: flag_url(project, flag["key"]),
        template="flags/new.html",
        context=context,
    )


def build_list(store: Store, project: str, filters: Filters) -> dict[str, Any]:
    """The page of flags that ``filters`` select, with each flag's state per environment."""
    project_view = get_project(store, project)
    environments = [env["key"] for env in list_environments(store, project)]
    releases = _releases_by_flag(store, project)
    rows = [
        _row(flag, environments, releases.get(flag["key"], {}))
        for flag in list_flags(store, project)
    ]
    selected = [row for row in rows if _selected(row, filters)]
    pages = max(1, -(-len(selected) // PAGE_SIZE))
    number = min(filters.page, pages)
    start = (number - 1) * PAGE_SIZE
    return {
        "project": project_view,
        "projects": list_projects(store),
        "section": "flags",
        "environments": environments,
        "kinds": KINDS,
        "states": STATES,
        "filters": filters,
        "rows": selected[start : start + PAGE_SIZE],
        "total": len(rows),
        "matching": len(selected),
        "page": number,
        "pages": pages,
    }


def _row(
    flag: FlagView, environments: list[str], releases: Mapping[str, list[str]]
) -> dict[str, Any]:
    states = {}
    for env in environments:
        config = flag["environments"].get(env)
        found = []
        if config and config["on"]:
            found.append("on")
            if _rolls_out(config):
                found.append("rolling_out")
        else:
            found.append("off")
        if releases.get(env):
            found.append("in_release")
        states[env] = found
    return {"flag": flag, "states": states, "releases": releases}


def _rolls_out(config: Mapping[str, Any]) -> bool:
    rules = config.get("rules") or []
    serves = [config.get("fallthrough") or {}] + [rule.get("serve") or {} for rule in rules]
    return any(isinstance(serve, dict) and "rollout" in serve for serve in serves)


def _selected(row: dict[str, Any], filters: Filters) -> bool:
    flag = row["flag"]
    if filters.kind in KINDS and flag["kind"] != filters.kind:
        return False
    if filters.q:
        needle = filters.q.casefold()
        texts = [flag["key"], flag["name"], *flag["tags"]]
        if not any(needle in str(item).casefold() for item in texts):
            return False
    if filters.state in STATES:
        wanted = [filters.environment] if filters.environment else list(row["states"])
        return any(filters.state in row["states"].get(env, []) for env in wanted)
    return True


def _releases_by_flag(store: Store, project: str) -> dict[str, dict[str, list[str]]]:
    """Unfinished releases by flag key, then environment: their keys."""
    found: dict[str, dict[str, list[str]]] = {}
    for release in list_releases(store, project):
        if release["state"] in FINISHED:
            continue
        for feature in release["features"]:
            by_env = found.setdefault(str(feature.get("flag")), {})
            by_env.setdefault(release["environment"], []).append(release["key"])
    return found


def _form_context(store: Store, project: str) -> dict[str, Any]:
    return {
        "project": get_project(store, project),
        "projects": list_projects(store),
        "section": "flags",
        "kinds": KINDS,
    }


def _flag_data(form: Mapping[str, str]) -> dict[str, Any]:
    kind = text(form, "kind", required=False) or "boolean"
    data: dict[str, Any] = {"key": text(form, "key"), "kind": kind}
    name = text(form, "name", required=False)
    if name:
        data["name"] = name
    variations = variation_values(kind, form.get("variations", "")[:100_000])
    if variations or kind != "boolean":
        data["variations"] = variations
    data["tags"] = keys(text(form, "tags", required=False))
    return data
