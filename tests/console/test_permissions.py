"""The console obeys the permission table: every page declares one action, a refused
form answers 403 and changes nothing, and pages show only the forms the role allows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from premiere.cli.server.demo import DEMO_PROJECT
from premiere.services import SYSTEM
from premiere.services.people import accounts
from premiere.services.people.sessions import start_person_session
from premiere.store import Store
from premiere.store.models import AuditEvent

from .conftest import Console

PUBLIC = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/sign-in/sso"),
    ("GET", "/sign-in/sso/callback"),
    ("GET", "/static/{name:path}"),
    ("GET", "/changelog/{project}"),
    ("GET", "/changelog/{project}/feed.atom"),
    ("GET", "/changelog/{project}/feed.json"),
    ("GET", "/join/{link}"),
    ("POST", "/join/{link}"),
}
"""Console routes anyone may open, signed in or not."""

ROLES = ("viewer", "engineer", "release_manager", "admin")

ALLOWED = {
    "viewer": set(),
    "engineer": {"deployments.record", "flags.create"},
    "release_manager": {
        "deployments.record",
        "flags.create",
        "flags.change",
        "releases.manage",
        "releases.approve",
    },
    "admin": {
        "deployments.record",
        "flags.create",
        "flags.change",
        "releases.manage",
        "releases.approve",
        "settings.manage",
    },
}
"""What a role on the demo project may post, in production (the environment of every
path below): engineers change flags elsewhere only; tokens need admin on every project."""


def console_routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) of every console route of ``app``."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                yield from walk(route.effective_candidates())
            else:
                yield route

    for route in walk(app.routes):
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None or not endpoint.__module__.startswith("premiere.console"):
            continue
        for method in sorted(route.methods):
            yield method, route.path, route


def declared_actions(dependant: Any) -> list[str]:
    found = [dependant.call.action] if hasattr(dependant.call, "action") else []
    for dependency in dependant.dependencies:
        found.extend(declared_actions(dependency))
    return found


def app_of(console: Console) -> FastAPI:
    return console.client.app


def audit_count(store: Store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def sign_in_as(console: Console, role: str) -> str:
    """A person with ``role`` on the demo project, signed in; their CSRF token."""
    with console.store.write() as session:
        person = accounts.add_person(
            session,
            SYSTEM,
            email=f"{role}@example.com",
            name=role,
            password_hash=None,
            grants=[(DEMO_PROJECT, role)],
        )
        started = start_person_session(session, person, now=console.clock())
    console.client.cookies.set("premiere_session", started.raw_id)
    return started.info.csrf


def fill(path: str) -> str:
    """A path of the demo project: production for environments, unknown keys elsewhere
    (a permitted request then answers 404 or 422, never 403, and changes nothing)."""
    values = {"project": DEMO_PROJECT, "environment": "production"}
    return re.sub(
        r"{(\w+)(:\w+)?}",
        lambda m: values.get(m.group(1), "7" if m.group(2) == ":int" else "nothing-here"),
        path,
    )


def test_console_routes__every_route_but_the_public_ones__declares_exactly_one_action(
    shop: Console,
) -> None:
    routes = list(console_routes(app_of(shop)))
    assert len(routes) > 80
    for method, path, route in routes:
        actions = declared_actions(route.dependant)
        if (method, path) in PUBLIC:
            assert actions == [], f"{method} {path} is public"
        else:
            assert len(actions) == 1, f"{method} {path} declares {actions}"


@pytest.mark.parametrize("role", ROLES)
def test_console_forms__each_role__refused_ones_answer_403_and_change_nothing(
    shop: Console, role: str
) -> None:
    csrf = sign_in_as(shop, role)
    checked = 0
    for method, path, route in console_routes(app_of(shop)):
        if method != "POST" or (method, path) in PUBLIC or path == "/sign-out":
            continue
        (action,) = declared_actions(route.dependant)
        before = audit_count(shop.store)
        answer = shop.client.request(
            "POST", fill(path), data={"csrf": csrf}, follow_redirects=False
        )
        if action in ALLOWED[role] or action == "signed_in":  # signed_in: my account
            assert answer.status_code != 403, f"{role} refused {path}: {answer.text[:300]}"
        else:
            assert answer.status_code == 403, f"{role} allowed {path} ({action})"
            assert "That did not work" in answer.text
            assert audit_count(shop.store) == before, f"{role} changed something at {path}"
        checked += 1
    assert checked > 40


def test_console_forms__engineer_in_staging__may_change_flags_there(shop: Console) -> None:
    csrf = sign_in_as(shop, "engineer")
    base = f"/projects/{DEMO_PROJECT}/flags/maintenance-banner/environments"
    before = audit_count(shop.store)

    refused = shop.client.request(
        "POST", f"{base}/production/switch", data={"csrf": csrf, "on": "true"}
    )
    assert refused.status_code == 403
    assert audit_count(shop.store) == before

    page = shop.client.request(
        "GET", f"/projects/{DEMO_PROJECT}/flags/maintenance-banner?environment=staging"
    )
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version is not None
    data = {"csrf": csrf, "on": "true", "version": version.group(1)}
    allowed = shop.client.request(
        "POST", f"{base}/staging/switch", data=data, follow_redirects=False
    )
    assert allowed.status_code == 303, allowed.text
    assert audit_count(shop.store) == before + 1


def test_flag_page__viewer__shows_no_edit_form(shop: Console) -> None:
    sign_in_as(shop, "viewer")
    flag = f"/projects/{DEMO_PROJECT}/flags/maintenance-banner"
    for environment in ("staging", "production"):
        html = shop.client.request("GET", f"{flag}?environment={environment}").text
        assert f"{flag}/environments/{environment}/switch" not in html
        assert f"{flag}/environments/{environment}/targets-add" not in html
        assert f"{flag}/environments/{environment}/rules" not in html
        assert "You may look, not change" in html


def test_flag_page__engineer__edits_staging_not_production(shop: Console) -> None:
    sign_in_as(shop, "engineer")
    flag = f"/projects/{DEMO_PROJECT}/flags/maintenance-banner"
    staging = shop.client.request("GET", f"{flag}?environment=staging").text
    assert f'action="{flag}/environments/staging/switch"' in staging
    assert f'href="{flag}/environments/staging/rules"' in staging
    production = shop.client.request("GET", f"{flag}?environment=production").text
    assert f"{flag}/environments/production/switch" not in production
    assert f"{flag}/environments/production/rules" not in production


def test_flag_list__viewer_and_engineer__create_button_by_role(shop: Console) -> None:
    sign_in_as(shop, "viewer")
    flags = f"/projects/{DEMO_PROJECT}/flags"
    assert f'href="{flags}/new"' not in shop.client.request("GET", flags).text
    assert shop.client.request("GET", f"{flags}/new").status_code == 403
    sign_in_as(shop, "engineer")
    assert f'href="{flags}/new"' in shop.client.request("GET", flags).text


def test_release_page__engineer__no_release_actions_approval_or_ticks(shop: Console) -> None:
    sign_in_as(shop, "engineer")
    releases = shop.client.request("GET", f"/projects/{DEMO_PROJECT}/releases").text
    keys = re.findall(rf'href="/projects/{DEMO_PROJECT}/releases/([\w-]+)"', releases)
    keys = [key for key in keys if key not in ("new", "calendar")]
    assert keys
    html = shop.client.request("GET", f"/projects/{DEMO_PROJECT}/releases/{keys[0]}").text
    assert 'class="action-form"' not in html
    assert 'class="approve-form"' not in html
    assert "/checklist/items" not in html
    assert f'/releases/{keys[0]}/notes"' not in html
    assert f'href="/projects/{DEMO_PROJECT}/releases/new"' not in releases


def test_settings__viewer__sees_no_settings_forms_nor_tokens(shop: Console) -> None:
    sign_in_as(shop, "viewer")
    settings = f"/projects/{DEMO_PROJECT}/settings"
    html = shop.client.request("GET", settings).text
    assert "/environments/new" not in html
    assert "/move" not in html
    assert f"/projects/{DEMO_PROJECT}/tokens" not in html
    assert shop.client.request("GET", f"/projects/{DEMO_PROJECT}/tokens").status_code == 403
    environment = shop.client.request("GET", f"{settings}/environments/production").text
    assert "Save policy" not in environment


def test_project_switcher__person_with_one_project__lists_only_that_one(
    shop: Console,
) -> None:
    shop.sign_in()
    created = shop.client.request(
        "POST",
        "/api/v1/projects",
        json={"key": "other", "name": "Other project"},
        headers={"Authorization": f"Bearer {shop.admin_token}"},
    )
    assert created.status_code == 201, created.text
    sign_in_as(shop, "viewer")
    html = shop.client.request("GET", f"/projects/{DEMO_PROJECT}").text
    assert "Other project" not in html
    assert shop.client.request("GET", "/projects/other").status_code == 403
    home = shop.client.request("GET", "/", follow_redirects=False)
    assert home.headers["location"] == f"/projects/{DEMO_PROJECT}"
