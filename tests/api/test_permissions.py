"""The role-by-action matrix, through HTTP, over every admin route.

Every route of the API declares one action of the permission table
(``services/people/permissions.py``), or is one of the few that authenticate another
way (SDK tokens, signatures, links). For each route and each caller — a person with
each role on the project, an admin of every project, a service account's deploy token
— the request a real client would send is made: an allowed caller gets 2xx, a refused
one 403 ``forbidden`` and nothing changes (the audit log has no new event).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import _IncludedRouter
from sqlalchemy import func, select

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.models import AuditEvent

from .permission_recipes import R
from .permission_world import IfMatch, World
from .support import Api, running

PUBLIC = {
    ("GET", "/healthz"), ("GET", "/docs"), ("GET", "/redoc"), ("GET", "/openapi.json"),
    ("GET", "/api/v1/sdk/flags"), ("GET", "/api/v1/sdk/stream"), ("POST", "/api/v1/sdk/events"),
    ("POST", "/ofrep/v1/evaluate/flags/{key:path}"), ("POST", "/ofrep/v1/evaluate/flags"),
    ("POST", "/api/v1/webhooks/github/{project}"),
    ("GET", "/api/v1/unsubscribe/{link}"), ("POST", "/api/v1/unsubscribe/{link}"),
    ("POST", "/api/v1/whats-new"), ("POST", "/api/v1/whats-new/seen"),
    ("POST", "/api/v1/whats-new/{note}/feedback"),
    ("GET", "/api/v1/projects/{project}/calendar.ics"), ("GET", "/widget/whats-new.js"),
    ("GET", "/metrics"), ("POST", "/api/v1/login"), ("POST", "/api/v1/invitations/accept"),
}  # fmt: skip
"""Routes that authenticate otherwise: SDK tokens, signatures, one-time links, a password,
the metrics token (or an admin's)."""

VIEWER, ENGINEER, MANAGER, ADMIN = "viewer", "engineer", "release_manager", "admin"
CALLERS = (VIEWER, ENGINEER, MANAGER, ADMIN, "project-admin", "deploy")
EVERYONE = frozenset(CALLERS)
PEOPLE = frozenset({VIEWER, ENGINEER, MANAGER, ADMIN, "project-admin"})
ALLOWED: dict[str, frozenset[str]] = {
    "signed_in": EVERYONE,
    "ledger.read": EVERYONE,
    "read": PEOPLE,
    "deployments.record": frozenset({ENGINEER, MANAGER, ADMIN, "project-admin", "deploy"}),
    "flags.create": frozenset({ENGINEER, MANAGER, ADMIN, "project-admin"}),
    "flags.change@staging": frozenset({ENGINEER, MANAGER, ADMIN, "project-admin"}),
    "flags.change": frozenset({MANAGER, ADMIN, "project-admin"}),  # production, or all
    "releases.manage": frozenset({MANAGER, ADMIN, "project-admin"}),
    "releases.approve": frozenset({MANAGER, ADMIN, "project-admin"}),
    "settings.manage": frozenset({ADMIN, "project-admin"}),
    "tokens.manage": frozenset({ADMIN}),
    "people.manage": frozenset({ADMIN}),
    "projects.create": frozenset({ADMIN}),
}
"""Who may take each action, written out (not computed from the table under test)."""
OWN = {("GET", "/api/v1/me/tokens"), ("POST", "/api/v1/me/tokens"),
       ("DELETE", "/api/v1/me/tokens/{token_id}"), ("POST", "/api/v1/me/password")}  # fmt: skip
"""A person's own tokens and password: every person, no token without one."""


def routes(api: Api) -> Iterator[tuple[str, str, str | None]]:
    """(method, path, declared action) of every route of the app."""
    return routes_of(api.client.app)


@functools.cache
def declared_actions() -> dict[tuple[str, str], str | None]:
    """The action each route declares, read once from an app of its own: FastAPI builds
    an app's routes (their dependencies) when they are first walked, which is slow."""
    return {(m, p): a for m, p, a in routes_of(create_app(Settings(database_url="unused://")))}


def routes_of(app: Any) -> Iterator[tuple[str, str, str | None]]:

    def walk(items: list[Any]) -> Iterator[Any]:
        for item in items:
            if isinstance(item, _IncludedRouter):
                yield from walk(list(item.effective_candidates()))
            else:
                yield item

    for route in walk(list(app.routes)):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, route.path, declared(route)


def declared(route: Any) -> str | None:
    actions: list[str] = []

    def visit(dependant: Any) -> None:
        for sub in dependant.dependencies:
            if hasattr(sub.call, "action"):
                actions.append(sub.call.action)
            visit(sub)

    if hasattr(route, "dependant"):
        visit(route.dependant)
    assert len(actions) <= 1, (route.path, actions)
    return actions[0] if actions else None


Q = "/api/v1/projects/{project}"
ENVIRONMENT_ROUTES = {
    ("PUT", Q + "/flags/{flag}/environments/{environment}"),
    ("PATCH", Q + "/flags/{flag}/environments/{environment}"),
    ("POST", Q + "/scheduled-changes"),
}
"""Flag changes in one environment: run in staging (engineers may) and in production."""


@dataclass(frozen=True)
class Template:
    """A SQLite file holding the world and its callers, copied by each case."""

    path: Path
    admin_token: str
    callers: dict[str, str]
    """Each caller's token."""
    next: int
    """Where the world's counter stood."""


@pytest.fixture(scope="module")
def template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The world and its callers, made once: they take longer to make than most cases take
    to run, and each case changes its copy only."""
    path = tmp_path_factory.mktemp("permissions") / "premiere.db"
    shutil.copyfile(_sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        admin_token = tokens.ensure_admin_token(store, None)
        assert admin_token is not None
        with running(create_app(Settings(database_url="unused://"), store)) as client:
            world = World(Api(client, store, admin_token)).build()
            callers = callers_of(world)
    finally:
        store.close()
    return Template(path, admin_token, callers, next(world.counter))


@pytest.fixture
def world(template: Template, settings: Settings, tmp_path: Path) -> Iterator[World]:
    """A copy of the template's world, on SQLite (the matrix runs on one store: time)."""
    path = tmp_path / "premiere.db"
    shutil.copyfile(template.path, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        with running(create_app(settings, store)) as client:
            yield World(Api(client, store, template.admin_token), first=template.next)
    finally:
        store.close()


def test_routes__each__declares_one_action_or_authenticates_otherwise(api: Api) -> None:
    found = {(method, path): action for method, path, action in routes(api)}
    undeclared = sorted(key for key, action in found.items() if action is None)
    assert [key for key in undeclared if key not in PUBLIC] == []
    assert sorted(PUBLIC - set(found)) == []


def test_routes__each_declared__has_its_request_in_the_matrix(api: Api) -> None:
    declared = {(method, path) for method, path, action in routes(api) if action}
    assert sorted(declared - set(R)) == []
    assert sorted(set(R) - declared) == []


CASES = [
    (method, path, environment)
    for (method, path) in sorted(R)
    for environment in (
        ("staging", "production") if (method, path) in ENVIRONMENT_ROUTES else ("",)
    )
]


@pytest.mark.parametrize(("method", "path", "environment"), CASES)
def test_matrix__each_caller__allowed_2xx_refused_403_and_unchanged(
    world: World, template: Template, method: str, path: str, environment: str
) -> None:
    action = declared_actions()[(method, path)]
    assert action is not None
    key = f"{action}@staging" if action == "flags.change" and environment == "staging" else action
    allowed = PEOPLE if (method, path) in OWN else ALLOWED[key]
    world.environment = environment or "staging"
    for caller, token in template.callers.items():
        world.caller_token = token.split("_")[1]
        sent_method, sent_path, body = R[(method, path)](world)
        before = audit_count(world)
        if isinstance(body, IfMatch):
            headers, body = {"If-Match": str(int(body))}, None
        else:
            headers = {}
        response = world.api.request(
            sent_method, sent_path, token=token, json=body, headers=headers
        )
        if caller in allowed:
            assert response.status_code < 300, (caller, sent_path, response.text)
        else:
            assert response.status_code == 403, (caller, sent_path, response.text)
            assert response.json()["error"]["code"] == "forbidden"
            assert audit_count(world) == before, (caller, sent_path)


def callers_of(world: World) -> dict[str, str]:
    """A new person with each role on the project, an admin of every project, and a
    service account: each one's token."""
    people = {role: world.person_token(role) for role in (VIEWER, ENGINEER, MANAGER)}
    return {
        **people,
        ADMIN: world.person_token(ADMIN, None),
        "project-admin": world.person_token(ADMIN),
        "deploy": world.service_token(),
    }


def audit_count(world: World) -> int:
    with world.api.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
