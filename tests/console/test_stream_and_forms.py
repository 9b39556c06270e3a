"""The console stream's change events, and the form pattern (forms.submit_form)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from premiere import errors
from premiere.console.auth import SignedIn, store_of
from premiere.console.forms import map_error_to_form, submit_form
from premiere.console.pages import duration
from premiere.console.stream import HEARTBEAT_EVERY, change_events
from premiere.services import SYSTEM, projects
from premiere.services.audit import activity_head

from .conftest import Console


def _collect(heads: list[tuple[int, int]], count: int) -> list[str]:
    """The first ``count`` events of a stream whose reads return ``heads`` in turn."""
    reads = iter(heads)

    async def read() -> tuple[int, int]:
        return next(reads)

    async def wait() -> None:
        return None

    async def run() -> list[str]:
        found = []
        async for event in change_events(read, wait):
            found.append(event)
            if len(found) == count:
                break
        return found

    return anyio.run(run)


def test_change_events__head_moves__one_change_per_move() -> None:
    events = _collect([(1, 1), (1, 1), (2, 1), (2, 1), (2, 5)], 3)
    assert events == [
        "event: ready\ndata: [1, 1]\n\n",
        "event: change\ndata: [2, 1]\n\n",
        "event: change\ndata: [2, 5]\n\n",
    ]


def test_change_events__quiet__heartbeat_comment() -> None:
    events = _collect([(1, 1)] * (HEARTBEAT_EVERY + 2), 2)
    assert events[1] == ": heartbeat\n\n"


def test_activity_head__a_change_to_the_project__moves_it(demo: Console) -> None:
    before = activity_head(demo.store, "demo")
    version = projects.get_project(demo.store, "demo")["version"]
    projects.update_project(demo.store, SYSTEM, "demo", {"description": "changed"}, version)
    assert activity_head(demo.store, "demo") > before
    assert activity_head(demo.store, "nope") == (0, 0)


def test_console_stream__signed_out__sent_to_sign_in(console: Console) -> None:
    answer = console.client.get("/console/stream?project=demo", follow_redirects=False)
    assert answer.status_code == 303


def test_console_stream__unknown_project__html_404(demo: Console) -> None:
    answer = demo.client.get("/console/stream?project=nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_map_error_to_form__validation__each_field_and_the_summary() -> None:
    exc = errors.ValidationError(
        [
            errors.Violation("key", "key_pattern", "must match [A-Za-z0-9._-]{1,128}"),
            errors.Violation("name", "required", "is required"),
        ]
    )
    found = map_error_to_form(exc, {"name": "display-name"})
    assert found.fields == {
        "key": ["must match [A-Za-z0-9._-]{1,128}"],
        "display-name": ["is required"],
    }
    assert [code for _, code, _ in found.summary] == ["validation_failed"] * 2
    assert found.rules == ["key_pattern", "required"]


def test_map_error_to_form__conflict__summary_only() -> None:
    found = map_error_to_form(errors.AlreadyExistsError("project", "demo"))
    assert found.fields == {}
    assert found.summary[0][:2] == (None, "already_exists")


def test_duration__reads_as_people_write_it() -> None:
    assert [duration(s) for s in (45, 300, 12_000, 190_000)] == [
        "45 s",
        "5 min",
        "3 h 20 min",
        "2 d 4 h",
    ]


@pytest.fixture
def with_form(console: Console) -> Console:
    """A form page built as the docs tell page authors: create a project."""
    router = APIRouter()

    @router.post("/test-forms/projects")
    async def create(request: Request, session: SignedIn) -> Response:
        def call(form: dict[str, str]) -> Any:
            return projects.create_project(store_of(request), SYSTEM, form)

        return await submit_form(
            request,
            session,
            call,
            success=lambda made: f"/projects/{made['key']}",
            template="sign_in.html",  # any page with an error summary will do here
            context={"next": "/"},
        )

    console.client.app.include_router(router)
    console.sign_in()
    return console


def test_submit_form__valid__303_to_the_result(with_form: Console) -> None:
    csrf = with_form.csrf("/")
    answer = with_form.client.request(
        "POST",
        "/test-forms/projects",
        data={"csrf": csrf, "key": "shop", "name": "Shop"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/shop"
    assert projects.get_project(with_form.store, "shop")["name"] == "Shop"


def test_submit_form__invalid__422_with_the_services_error_and_nothing_made(
    with_form: Console,
) -> None:
    csrf = with_form.csrf("/")
    answer = with_form.client.request(
        "POST", "/test-forms/projects", data={"csrf": csrf, "key": "a b", "name": "Shop"}
    )
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert "<code>validation_failed</code> <code>key_pattern</code>" in answer.text
    assert projects.list_projects(with_form.store) == []


def test_submit_form__without_csrf__403_and_nothing_made(with_form: Console) -> None:
    answer = with_form.client.request(
        "POST", "/test-forms/projects", data={"key": "shop", "name": "Shop"}
    )
    assert answer.status_code == 403
    assert projects.list_projects(with_form.store) == []
