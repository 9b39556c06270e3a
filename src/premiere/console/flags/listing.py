"""The flag list (search, filters, paging) and the form that creates a flag.

Search matches a flag's key, name or one of its tags; the filters are the kind and,
in one environment, a state: on, off, rolling out (on, serving a percentage rollout
to some or all) or in a release (named by a release not yet finished). The list is
paged on the server (``services/flags/summaries.py`` reads only the page's flags in
full), ``PAGE_SIZE`` flags a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import FlagCreator, Reader, store_of
from premiere.console.flags.fields import (
    actor_of,
    flag_url,
    keys,
    on_fields,
    text,
    variation_values,
)
from premiere.console.forms import submit_form
from premiere.console.pages import frame, page
from premiere.services.environments import list_environments
from premiere.services.flags.definitions import create_flag
from premiere.services.flags.summaries import KINDS, STATES, list_flag_page
from premiere.services.projects import get_project, list_projects
from premiere.store import Store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
STATE_LABELS = dict(zip(STATES, ("on", "off", "rolling out", "in a release"), strict=True))
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
    session: Reader,
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
async def new_flag(request: Request, project: str, session: FlagCreator) -> Response:
    context = await run_in_threadpool(_form_context, store_of(request), project)
    return page(request, "flags/new.html", {**context, "form": {"kind": "boolean"}})


@router.post("/projects/{project}/flags/new")
async def create_flag_form(request: Request, project: str, session: FlagCreator) -> Response:
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
    environment = filters.environment if filters.environment in environments else ""
    selection = {
        "query": filters.q,
        "kind": filters.kind if filters.kind in KINDS else "",
        "environment": environment,
        "state": filters.state if filters.state in STATES else "",
    }
    offset = (filters.page - 1) * PAGE_SIZE
    found = list_flag_page(store, project, **selection, offset=offset, limit=PAGE_SIZE)
    pages = max(1, -(-found["matching"] // PAGE_SIZE))
    number = min(filters.page, pages)
    if number < filters.page:  # past the last page: show the last
        offset = (number - 1) * PAGE_SIZE
        found = list_flag_page(store, project, **selection, offset=offset, limit=PAGE_SIZE)
    rows = [{"flag": flag, "states": found["states"][flag["key"]]} for flag in found["items"]]
    return {
        "project": project_view,
        "projects": list_projects(store),
        "section": "flags",
        "environments": environments,
        "kinds": KINDS,
        "states": STATE_LABELS,
        "filters": filters,
        "rows": rows,
        "total": found["total"],
        "matching": found["matching"],
        "page": number,
        "pages": pages,
    }


def _form_context(store: Store, project: str) -> dict[str, Any]:
    return {
        **frame(store, project, "flags"),
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
