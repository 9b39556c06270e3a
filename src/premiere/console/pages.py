"""Rendering: the Jinja environment, security headers, and HTML responses.

Every console response goes through :func:`page` or :func:`secure`, which add the
headers below: a Content-Security-Policy without inline script or style, no framing,
no referrer across origins, no content sniffing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from premiere import __version__
from premiere.console.assets import Assets
from premiere.services.people.permissions import PEOPLE, TOKENS, Caller, allows
from premiere.services.projects import get_project, list_projects
from premiere.store import Store

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
NAVIGATION = (
    ("overview", "Overview", ""),
    ("flags", "Flags", "/flags"),
    ("segments", "Segments", "/segments"),
    ("deployments", "Deployments", "/deployments"),
    ("releases", "Releases", "/releases"),
    ("timeline", "Timeline", "/timeline"),
    ("insights", "Insights", "/insights"),
    ("audit", "Audit", "/audit"),
    ("settings", "Settings", "/settings"),
)
"""The header's links: (section, label, path under ``/projects/<project>``)."""
ADMIN_NAVIGATION = (
    (PEOPLE, "People", "/people"),
    (TOKENS, "Service accounts", "/service-accounts"),
)
"""The header's links to the server's pages: (the action they need, label, path)."""


def make_templates(assets: Assets) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(asset=assets.url, navigation=NAVIGATION, version=__version__)
    environment.filters.update(duration=duration, counted=counted)
    return environment


def counted(number: float, noun: str) -> str:
    """``1 day``, ``3 days``, ``1.5 days``, ``1234567 days``: a count and its (regular)
    noun."""
    shown = str(int(number)) if float(number).is_integer() else f"{number:g}"
    return f"{shown} {noun}" if number == 1 else f"{shown} {noun}s"


def duration(seconds: float) -> str:
    """``2 d 4 h``, ``3 h 20 min``, ``5 min``, ``45 s``: how long something has lasted."""
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{secs} s"


def secure(response: Response) -> Response:
    """``response`` with the console's security headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def render(request: Request, template: str, context: Mapping[str, Any]) -> str:
    """The HTML of ``template`` with ``context``, plus what every page knows: the request,
    the signed-in session (``session``, its ``csrf``), ``can(action, environment=None)``
    (what the caller may do in the page's project: ``console/auth.py``'s ``Permits``;
    nothing before a route's action was checked), and the projects for the switcher,
    only those the caller may read; ``admin_links``: the header's links to the server's
    pages the caller may use."""
    templates: Environment = request.app.state.console.templates
    signed_in = getattr(request.state, "console_session", None)
    permits = getattr(request.state, "console_permits", None)
    base = {
        "request": request,
        "session": signed_in,
        "csrf": signed_in.csrf if signed_in else "",
        "can": permits if permits is not None else _nothing,
        "admin_links": admin_links(signed_in.caller) if signed_in else (),
    }
    values = {**base, **context}
    if permits is not None and values.get("projects"):
        readable = permits.projects()
        if readable is not None:
            values["projects"] = [p for p in values["projects"] if p["key"] in readable]
    return templates.get_template(template).render(values)


def _nothing(action: str, environment: str | None = None) -> bool:
    return False


def admin_links(caller: Caller) -> tuple[tuple[str, str], ...]:
    """The header's links to the server's pages ``caller`` may use: (label, path)."""
    return tuple(
        (label, path) for action, label, path in ADMIN_NAVIGATION if allows(caller, action)
    )


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An HTML response of ``template``; no page is cached (it holds a CSRF token)."""
    response = HTMLResponse(render(request, template, context or {}), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return secure(response)


def frame(store: Store, project: str, section: str) -> dict[str, Any]:
    """What every page of a project's section shows around its content: the project,
    the project switcher's list, and which header link is current."""
    return {
        "project": get_project(store, project),
        "projects": list_projects(store),
        "section": section,
    }
