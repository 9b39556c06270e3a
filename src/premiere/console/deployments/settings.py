"""Project settings: environments in order (create, rename, reorder, production flag),
each environment's deployment policy, and the services (create, edit).

Every form calls the service function the API calls (``environments``, ``catalog``,
``promotion.update_environment_policy``) through :func:`~premiere.console.forms.submit_form`;
edits carry the version they were based on, so a stale save shows a conflict with the
current state and the person's input kept.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import LedgerReader, Reader, SettingsAdmin, actor_of, store_of
from premiere.console.forms import FormErrors, submit_form
from premiere.console.pages import frame, page
from premiere.services import catalog, environments
from premiere.services.deployments import checks, promotion
from premiere.store import Store

router = APIRouter(include_in_schema=False)

SETTINGS = "/projects/{project}/settings"
INTEGER = re.compile(r"^-?\d{1,18}$")


@router.get(SETTINGS)
async def settings_page(request: Request, project: str, session: Reader) -> Response:
    view = await run_in_threadpool(build_settings, store_of(request), project)
    return page(request, "settings/page.html", view)


@router.post(SETTINGS + "/environments/{environment}/move")
async def move_environment_form(
    request: Request, project: str, environment: str, session: SettingsAdmin
) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_settings, store, project)

    def move(form: dict[str, str]) -> object:
        data = {"position": integer(form.get("position", ""))}
        version = version_of(form)
        return environments.update_environment(
            store, actor_of(session), project, environment, data, version
        )

    return await submit_form(
        request,
        session,
        move,
        success=lambda _: f"/projects/{project}/settings",
        template="settings/page.html",
        context=view,
    )


@router.get(SETTINGS + "/environments/new")
async def new_environment_page(request: Request, project: str, session: SettingsAdmin) -> Response:
    view = await run_in_threadpool(_frame, store_of(request), project)
    return page(request, "settings/environment_new.html", view)


@router.post(SETTINGS + "/environments/new")
async def create_environment_form(
    request: Request, project: str, session: SettingsAdmin
) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(_frame, store, project)

    def create(form: dict[str, str]) -> object:
        data: dict[str, Any] = {"key": form.get("key", "")}
        data["name"] = form.get("name") or data["key"]
        data["production"] = form.get("production") == "true"
        return environments.create_environment(store, actor_of(session), project, data)

    return await submit_form(
        request,
        session,
        create,
        success=lambda _: f"/projects/{project}/settings",
        template="settings/environment_new.html",
        context=view,
    )


@router.get(SETTINGS + "/environments/{environment}")
async def environment_page(
    request: Request, project: str, environment: str, session: LedgerReader
) -> Response:
    view = await run_in_threadpool(build_environment, store_of(request), project, environment)
    return page(request, "settings/environment.html", view)


@router.post(SETTINGS + "/environments/{environment}")
async def update_environment_form(
    request: Request, project: str, environment: str, session: SettingsAdmin
) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_environment, store, project, environment)

    def update(form: dict[str, str]) -> object:
        data = {"name": form.get("name", ""), "production": form.get("production") == "true"}
        return environments.update_environment(
            store, actor_of(session), project, environment, data, version_of(form)
        )

    return await submit_form(
        request,
        session,
        update,
        success=lambda _: f"/projects/{project}/settings",
        template="settings/environment.html",
        context=view,
    )


@router.post(SETTINGS + "/environments/{environment}/policy")
async def update_policy_form(
    request: Request, project: str, environment: str, session: SettingsAdmin
) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_environment, store, project, environment)

    def update(form: dict[str, str]) -> object:
        data = {"require_verified_in_previous": form.get("require_verified_in_previous") == "true"}
        return promotion.update_environment_policy(
            store, actor_of(session), project, environment, data, version_of(form)
        )

    return await submit_form(
        request,
        session,
        update,
        success=lambda _: f"/projects/{project}/settings",
        template="settings/environment.html",
        context=view,
    )


@router.get(SETTINGS + "/services/new")
async def new_service_page(request: Request, project: str, session: SettingsAdmin) -> Response:
    view = await run_in_threadpool(_frame, store_of(request), project)
    return page(request, "settings/service_new.html", view)


@router.post(SETTINGS + "/services/new")
async def create_service_form(request: Request, project: str, session: SettingsAdmin) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(_frame, store, project)

    def create(form: dict[str, str]) -> Any:
        data = service_data(form) | {"key": form.get("key", "")}
        data["name"] = data["name"] or data["key"]
        return catalog.create_service(store, actor_of(session), project, data)

    return await submit_form(
        request,
        session,
        create,
        success=lambda made: f"/projects/{project}/settings/services/{made['key']}",
        template="settings/service_new.html",
        context=view,
    )


@router.get(SETTINGS + "/services/{service}")
async def service_page(
    request: Request, project: str, service: str, session: LedgerReader
) -> Response:
    view = await run_in_threadpool(build_service, store_of(request), project, service)
    return page(request, "settings/service.html", view)


@router.post(SETTINGS + "/services/{service}")
async def update_service_form(
    request: Request, project: str, service: str, session: SettingsAdmin
) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_service, store, project, service)

    def update(form: dict[str, str]) -> object:
        return catalog.update_service(
            store, actor_of(session), project, service, service_data(form), version_of(form)
        )

    return await submit_form(
        request,
        session,
        update,
        success=lambda _: f"/projects/{project}/settings/services/{service}",
        template="settings/service.html",
        context=view,
    )


def service_data(form: dict[str, str]) -> dict[str, Any]:
    """A service's editable fields from the form; an empty repository is none."""
    return {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "repository": form.get("repository") or None,
    }


def integer(text: str) -> int | str:
    """``text`` as an integer when it is one, else as it came (the service says why not)."""
    return int(text) if INTEGER.match(text.strip()) else text


def version_of(form: dict[str, str]) -> int | None:
    """The version a form's edit is based on (none when missing or not a number: the
    service then asks for it)."""
    value = integer(form.get("version", ""))
    return value if isinstance(value, int) else None


def build_settings(store: Store, project: str) -> dict[str, Any]:
    """Environments in order with their policy, and the services."""
    view = _frame(store, project)
    rows = []
    for environment in environments.list_environments(store, project):
        policy = promotion.get_environment_policy(store, project, environment["key"])
        rows.append({"environment": environment, "policy": policy})
    view["environment_rows"] = rows
    view["services"] = catalog.list_services(store, project)
    return view


def build_environment(store: Store, project: str, environment: str) -> dict[str, Any]:
    view = _frame(store, project)
    view["environment"] = environments.get_environment(store, project, environment)
    view["policy"] = promotion.get_environment_policy(store, project, environment)
    return view


def build_service(store: Store, project: str, service: str) -> dict[str, Any]:
    view = _frame(store, project)
    view["service"] = catalog.get_service(store, project, service)
    view["checks"] = checks.list_checks(store, project, service)
    return view


def _frame(store: Store, project: str) -> dict[str, Any]:
    return {
        **frame(store, project, "settings"),
        "form": {},
        "errors": FormErrors(),
    }
