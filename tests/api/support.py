"""Driving the real app: ``httpx``'s ASGI transport behind a blocking facade.

``SyncClient`` runs an ``httpx.AsyncClient`` on a blocking portal so that tests read
top-down; requests from several threads run concurrently on the portal's loop (and
the sync route functions in the thread pool), as on a real server.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio.from_thread
import httpx
from anyio.from_thread import BlockingPortal
from fastapi import APIRouter, FastAPI
from jinja2 import Environment
from starlette.routing import BaseRoute

from premiere.store import Store

MAX_BODY_BYTES = 64 * 1024


class SyncClient:
    """A blocking facade over ``httpx.AsyncClient(transport=ASGITransport(app))``."""

    def __init__(self, app: FastAPI, portal: BlockingPortal, *, raise_errors: bool = True) -> None:
        self.app = app
        self.portal = portal
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        call = functools.partial(self._client.request, method, url, **kwargs)
        return self.portal.call(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        """The cookies the client keeps and sends, as a browser does."""
        return self._client.cookies


FINISHED_ROUTERS: dict[tuple[object, ...], tuple[APIRouter, BaseRoute]] = {}
"""Each router as an app includes it (the router's id, the prefix, the dependencies), as
first run here; with the router, which stays alive so that its id is not reused."""


FINISHED_TEMPLATES: dict[str, Environment] = {}
"""The console's template environment of the first app run here: each compiles a
template when it is first rendered, 0.03-0.05 s for a page's."""


def share_compiled(app: FastAPI) -> None:
    """Give ``app`` the included routers (and the console's templates) of the first app
    run in this process that included them in the same way; its other routes, its state,
    middleware and error handlers stay its own.

    FastAPI finishes an included router's routes, per app, when a request first reaches
    or passes them: 0.2-0.3 s for a console page behind the API's routers, paid again by
    every test's new app. An included router holds nothing of its app but where its
    dependency overrides are found (the first app's; no test sets one)."""
    assert not app.dependency_overrides, "dependency overrides need routers of their own"
    routes = []
    for route in app.router.routes:
        context = getattr(route, "include_context", None)
        if context is not None:
            dependencies = tuple(depends.dependency for depends in context.dependencies)
            key = (id(context.included_router), context.prefix, dependencies)
            route = FINISHED_ROUTERS.setdefault(key, (context.included_router, route))[1]
        routes.append(route)
    app.router.routes = routes
    console = getattr(app.state, "console", None)
    if console is not None:  # and the console's templates, compiled once (by name)
        console.templates = FINISHED_TEMPLATES.setdefault("console", console.templates)


@contextmanager
def running(app: FastAPI, *, raise_errors: bool = True) -> Iterator[SyncClient]:
    """The app with its lifespan entered, and a client for it; its included routers and
    templates those of the first app that ran them (:func:`share_compiled`)."""
    share_compiled(app)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async with app.router.lifespan_context(app):
            yield

    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(lifespan()),
    ):
        yield SyncClient(app, portal, raise_errors=raise_errors)


class Api:
    """A TestClient with an admin token and a few helpers for building fixtures."""

    def __init__(self, client: SyncClient, store: Store, admin_token: str) -> None:
        self.client = client
        self.store = store
        self.admin_token = admin_token

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin_token}"}

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {**self.auth(token), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    # builders ---------------------------------------------------------------------

    def project(self, key: str = "demo", environments: tuple[str, ...] = ()) -> dict[str, Any]:
        view = self.ok(self.post("/api/v1/projects", {"key": key, "name": key.title()}), 201)
        for env in environments:
            self.ok(self.post(f"/api/v1/projects/{key}/environments", {"key": env}), 201)
        return dict(view)

    def flag(self, project: str, key: str, **fields: Any) -> dict[str, Any]:
        response = self.post(f"/api/v1/projects/{project}/flags", {"key": key, **fields})
        return dict(self.ok(response, 201))

    def token(self, scope: str, project: str | None = None, environment: str | None = None) -> str:
        body: dict[str, Any] = {"name": f"{scope} token", "scope": scope}
        if project is not None:
            body["project"] = project
        if environment is not None:
            body["environment"] = environment
        return str(self.ok(self.post("/api/v1/tokens", body), 201)["token"])
