"""A flag's page (``/projects/<project>/flags/<key>``) and the forms that edit it.

One environment at a time (``?environment=``, links as tabs): the on/off switch,
targets, the rules (``flags/_rules.html``), the fallthrough, the off-variation and
prerequisites, each a form with the configuration's version; the evaluate-as panel
(a GET form: it changes nothing); the releases that name the flag; where its code
runs; its history.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import FlagChanger, Reader, store_of
from premiere.console.errors import not_found_page
from premiere.console.flags import edits
from premiere.console.flags.fields import actor_of, flag_url, on_fields, version
from premiere.console.flags.views import build_flag_page
from premiere.console.forms import submit_form
from premiere.console.pages import page
from premiere.services.flags.configs import get_flag_config, update_flag_config
from premiere.services.flags.definitions import get_flag
from premiere.store import Store

router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query(max_length=10_000)]


@router.get("/projects/{project}/flags/{key}")
async def flag_page(
    request: Request,
    project: str,
    key: str,
    session: Reader,
    environment: Annotated[str | None, Query(max_length=200)] = None,
    context: Text = None,
    context_key: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    query = dict(request.query_params)
    view = await run_in_threadpool(
        build_flag_page, store_of(request), project, key, environment, query
    )
    return page(request, "flags/page.html", view)


@router.post("/projects/{project}/flags/{key}/environments/{environment}/{edit}")
async def edit_flag_config(
    request: Request, project: str, key: str, environment: str, edit: str, session: FlagChanger
) -> Response:
    builder = edits.EDITS.get(edit)
    if builder is None:
        return not_found_page(request)
    store = store_of(request)
    view = await run_in_threadpool(build_flag_page, store, project, key, environment)
    fields = edits.FIELDS[edit]

    def call(form: dict[str, str]) -> Any:
        return on_fields(
            lambda: _apply(store, session, project, key, environment, edit, form),
            [*form, *fields],
            fields[0],
        )

    return await submit_form(
        request,
        session,
        call,
        success=lambda _: flag_url(project, key, environment),
        template="flags/page.html",
        context={**view, "active": edit},
    )


def _apply(
    store: Store,
    session: Any,
    project: str,
    key: str,
    environment: str,
    edit: str,
    form: dict[str, str],
) -> Any:
    expected = version(form)
    flag = get_flag(store, project, key)
    config = get_flag_config(store, project, key, environment)
    lookup = edits.flag_lookup(store, project)
    data = edits.EDITS[edit](form, config, flag["variations"], lookup)
    return update_flag_config(
        store, actor_of(session), project, key, environment, data, expected, partial=True
    )
