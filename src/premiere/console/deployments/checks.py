"""A service's verification checks in the settings: create, edit (a full replacement,
as the API's PUT) and delete, calling :mod:`premiere.services.deployments.checks`.

The form is flat text; :func:`check_data` turns it into the service's input (numbers
where the text is a number, ``argv`` one argument per line, ``json_field`` from a path
and a JSON value) and leaves anything else as typed, for the service to refuse at its
field. URLs are held to the server's address policy, as through the API.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import LedgerReader, SettingsAdmin, actor_of, read_form, store_of
from premiere.console.deployments.settings import build_service, integer, version_of
from premiere.console.forms import submit_form
from premiere.console.pages import page, secure
from premiere.services.deployments import checks
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.probes import CheckLimits
from premiere.services.environments import list_environments
from premiere.settings import Settings
from premiere.store import Store

router = APIRouter(include_in_schema=False)

CHECKS = "/projects/{project}/settings/services/{service}/checks"
NUMBER = re.compile(r"^-?\d{1,12}(\.\d{1,12})?$")
COMMON = ("timeout_seconds", "retries", "interval_seconds", "backoff")
FIELD_NAMES = {"json_field": "json_path", "json_field.path": "json_path"}


@router.get(CHECKS + "/new")
async def new_check_page(
    request: Request, project: str, service: str, session: SettingsAdmin
) -> Response:
    view = await run_in_threadpool(build_check, store_of(request), project, service, None)
    return page(request, "settings/check.html", view)


@router.post(CHECKS + "/new")
async def create_check_form(
    request: Request, project: str, service: str, session: SettingsAdmin
) -> Response:
    store, addresses = store_of(request), _addresses(request)
    view = await run_in_threadpool(build_check, store, project, service, None)

    def create(form: dict[str, str]) -> object:
        data = check_data(form) | {"key": form.get("key", "")}
        return checks.create_check(store, actor_of(session), project, service, data, addresses)

    return await submit_form(
        request,
        session,
        create,
        success=lambda _: f"/projects/{project}/settings/services/{service}",
        template="settings/check.html",
        context=view,
        field_names=FIELD_NAMES,
    )


@router.get(CHECKS + "/{key}")
async def check_page(
    request: Request, project: str, service: str, key: str, session: LedgerReader
) -> Response:
    view = await run_in_threadpool(build_check, store_of(request), project, service, key)
    return page(request, "settings/check.html", view)


@router.post(CHECKS + "/{key}")
async def replace_check_form(
    request: Request, project: str, service: str, key: str, session: SettingsAdmin
) -> Response:
    store, addresses = store_of(request), _addresses(request)
    view = await run_in_threadpool(build_check, store, project, service, key)

    def replace(form: dict[str, str]) -> object:
        return checks.replace_check(
            store, actor_of(session), project, service, key, check_data(form),
            version_of(form), addresses,
        )  # fmt: skip

    return await submit_form(
        request,
        session,
        replace,
        success=lambda _: f"/projects/{project}/settings/services/{service}",
        template="settings/check.html",
        context=view,
        field_names=FIELD_NAMES,
    )


@router.post(CHECKS + "/{key}/delete")
async def delete_check_form(
    request: Request, project: str, service: str, key: str, session: SettingsAdmin
) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    await run_in_threadpool(
        checks.delete_check, store, actor_of(session), project, service, key, version_of(form)
    )
    return secure(
        RedirectResponse(f"/projects/{project}/settings/services/{service}", status_code=303)
    )


def check_data(form: dict[str, str]) -> dict[str, Any]:
    """The service's input for a check from its form (kind-specific fields only)."""
    kind = form.get("kind", "")
    data: dict[str, Any] = {"kind": kind, "environment": form.get("environment") or None}
    for name in COMMON:
        if form.get(name, "").strip():
            data[name] = number(form[name])
    if kind == "http":
        data["url"] = form.get("url", "")
        data["method"] = form.get("method") or "GET"
        if form.get("expected_status", "").strip():
            data["expected_status"] = integer(form["expected_status"])
        data["body_contains"] = form.get("body_contains") or None
        if form.get("json_path") or form.get("json_equals"):
            data["json_field"] = {"path": form.get("json_path", ""), "equals": _json(form)}
    elif kind == "command":
        data["argv"] = [line for line in form.get("argv", "").splitlines() if line.strip()]
        if form.get("expected_exit_code", "").strip():
            data["expected_exit_code"] = integer(form["expected_exit_code"])
    return data


def number(text: str) -> int | float | str:
    """``text`` as a number when it is one, else as it came."""
    text = text.strip()
    if not NUMBER.match(text):
        return text
    return float(text) if "." in text else int(text)


def _json(form: dict[str, str]) -> Any:
    """The JSON value a field must equal; text that is not JSON is a string."""
    text = form.get("json_equals", "")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _addresses(request: Request) -> AddressPolicy:
    settings: Settings = getattr(request.app.state, "settings", None) or Settings()
    return CheckLimits.from_settings(settings).addresses


def build_check(store: Store, project: str, service: str, key: str | None) -> dict[str, Any]:
    """The check form: the service, its environments and the check (none when new)."""
    view = build_service(store, project, service)
    view["check"] = checks.get_check(store, project, service, key) if key else None
    view["environment_options"] = [("", "Every environment")] + [
        (item["key"], item["name"]) for item in list_environments(store, project)
    ]
    if view["check"] is not None:
        view["form"] = check_form(view["check"])
    else:
        view["form"] = {"kind": "http", "method": "GET", "expected_status": "200"}
    return view


def check_form(check: Any) -> dict[str, str]:
    """A check's values as the form shows them."""
    form = {name: _text(check.get(name)) for name in (*COMMON, "kind", "environment")}
    for name in ("url", "method", "expected_status", "body_contains", "expected_exit_code"):
        form[name] = _text(check.get(name))
    form["argv"] = "\n".join(check.get("argv") or [])
    field = check.get("json_field") or {}
    form["json_path"] = field.get("path", "")
    form["json_equals"] = json.dumps(field["equals"]) if "equals" in field else ""
    return form


def _text(value: Any) -> str:
    return "" if value is None else str(value)
