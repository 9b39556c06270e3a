"""The application shell: health, OpenAPI, routing errors, body limits, the catch-all."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from premiere import errors
from premiere.api import create_app
from premiere.console import install_console
from premiere.settings import Settings
from premiere.store import Store

from .support import MAX_BODY_BYTES, Api, running, share_compiled


def _error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


def test_healthz__get__ok_without_token(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz__route__matched_before_any_included_router(tmp_path: object) -> None:
    # FastAPI finishes an included router's routes when a request first reaches it; a
    # liveness probe declared after the routers would wait for all of them to be built.
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/p.db"))
    paths = [getattr(route, "path", None) for route in app.router.routes]
    first_router = paths.index(None)  # included routers have no path of their own
    assert "/healthz" in paths[:first_router]


def test_openapi__get__documents_every_route_with_tags(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Premiere"
    paths = spec["paths"]
    for path in (
        "/api/v1/projects",
        "/api/v1/projects/{project}/environments/{environment}",
        "/api/v1/projects/{project}/services/{service}",
        "/api/v1/projects/{project}/flags/{flag}/environments/{environment}",
        "/api/v1/projects/{project}/environments/{environment}/evaluate/{flag}",
        "/api/v1/projects/{project}/segments/{segment}",
        "/api/v1/audit",
        "/api/v1/tokens/{token_id}",
        "/api/v1/sdk/flags",
    ):
        assert path in paths
    for operations in paths.values():
        for operation in operations.values():
            assert operation.get("summary"), operation
            assert operation.get("tags"), operation
    assert {"bearer", "apiKey"} <= set(spec["components"]["securitySchemes"])
    put = paths["/api/v1/projects/{project}/flags/{flag}/environments/{environment}"]["put"]
    schema_of = {
        code: r["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        for code, r in put["responses"].items()
    }
    assert schema_of["200"] == "FlagConfigView"
    assert schema_of["409"] == schema_of["422"] == schema_of["428"] == "ErrorBody"
    assert {"ErrorBody", "ErrorDetail"} <= set(spec["components"]["schemas"])


def test_unknown_route__get__404_in_error_shape(api: Api) -> None:
    _error(api.get("/api/v1/nothing-here"), 404, "not_found")
    _error(api.client.get("/no/such/path"), 404, "not_found")


def test_wrong_method__delete_on_projects__405_in_error_shape(api: Api) -> None:
    response = api.delete("/api/v1/projects")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_missing_token__get_projects__401(api: Api) -> None:
    _error(api.client.get("/api/v1/projects"), 401, "unauthorized")


def test_malformed_json__post_project__400_malformed_request(api: Api) -> None:
    response = api.request(
        "POST",
        "/api/v1/projects",
        content=b'{"key": "a",',
        headers={"Content-Type": "application/json"},
    )
    error = _error(response, 400, "malformed_request")
    assert error["details"] == {
        "error": "Expecting property name enclosed in double quotes",
        "position": 12,
    }


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_non_object_body__post_project__400_malformed_request(api: Api, body: bytes) -> None:
    response = api.request(
        "POST", "/api/v1/projects", content=body, headers={"Content-Type": "application/json"}
    )
    _error(response, 400, "malformed_request")


def test_missing_body__post_project__400_malformed_request(api: Api) -> None:
    _error(api.request("POST", "/api/v1/projects"), 400, "malformed_request")


def test_form_body__post_project__400_malformed_request(api: Api) -> None:
    _error(api.request("POST", "/api/v1/projects", data={"key": "a"}), 400, "malformed_request")


def test_oversize_body__declared_length__413_before_reading(api: Api) -> None:
    body = b'{"key": "a", "description": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = api.request(
        "POST", "/api/v1/projects", content=body, headers={"Content-Type": "application/json"}
    )
    error = _error(response, 413, "payload_too_large")
    assert error["details"] == {"max_body_bytes": MAX_BODY_BYTES}
    assert api.get("/api/v1/projects").json() == []


def test_oversize_body__chunked_without_length__413_without_reading_the_rest(api: Api) -> None:
    # Given a streamed body with no Content-Length, sent chunk by chunk at the ASGI level
    chunk = b"x" * 1024
    total_chunks = MAX_BODY_BYTES // len(chunk) * 4
    consumed = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal consumed
        consumed += 1
        if consumed == 1:
            return {
                "type": "http.request",
                "body": b'{"key": "a", "description": "',
                "more_body": True,
            }
        return {"type": "http.request", "body": chunk, "more_body": consumed < total_chunks}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/projects",
        "raw_path": b"/api/v1/projects",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"authorization", f"Bearer {api.admin_token}".encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    # When the app reads it
    api.client.portal.call(api.client.app, scope, receive, send)
    # Then it answers 413 once the limit is passed, without reading the rest
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert consumed <= MAX_BODY_BYTES // len(chunk) + 2 < total_chunks
    assert api.get("/api/v1/projects").json() == []


def test_body_at_limit__chunked__accepted(api: Api) -> None:
    head, tail = b'{"key": "a"', b"}"
    filler = b" " * 1000
    count = (MAX_BODY_BYTES - len(head) - len(tail)) // len(filler)

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        for _ in range(count):
            yield filler
        yield tail

    response = api.request(
        "POST", "/api/v1/projects", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_unexpected_exception__any_route__500_internal_error_logged(
    store: Store, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, store)

    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("boom")

    with (
        caplog.at_level(logging.ERROR, logger="premiere.api"),
        running(app, raise_errors=False) as client,
    ):
        response = client.get("/explode")
    error = _error(response, 500, "internal_error")
    assert "boom" not in str(error)
    assert any(record.exc_info for record in caplog.records)


def test_create_app__without_store__opens_and_closes_its_own(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    with running(app) as client:
        assert app.state.store is not None
        assert client.get("/api/v1/projects").status_code == 401
    assert app.state.store is None


def test_share_compiled__two_apps__included_routers_shared_other_routes_their_own(
    store: Store, settings: Settings
) -> None:
    first, second = create_app(settings, store), create_app(settings, store)

    @second.get("/own")
    def own() -> dict[str, str]:
        return {"app": "second"}

    share_compiled(first)
    share_compiled(second)

    def included(app: FastAPI) -> list[object]:
        return [r for r in app.router.routes if hasattr(r, "include_context")]

    assert len(included(second)) > 10
    assert all(a is b for a, b in zip(included(first), included(second), strict=True))
    assert first.router.routes is not second.router.routes
    assert "/own" not in {getattr(route, "path", None) for route in first.router.routes}
    with running(second) as client:
        assert client.get("/own").json() == {"app": "second"}
        assert client.get("/api/v1/projects").status_code == 401
    assert second.state.store is store and first.state.event_limits is not second.state.event_limits


def test_share_compiled__two_console_apps__one_template_environment_each_its_state(
    store: Store, settings: Settings
) -> None:
    apps = [install_console(create_app(settings, store), settings) for _ in range(2)]
    for app in apps:
        share_compiled(app)
    assert apps[0].state.console.templates is apps[1].state.console.templates
    assert apps[0].state.console is not apps[1].state.console


ERROR_EXAMPLES = [
    (errors.ValidationError.single("key", "key_pattern", "bad"), 422),
    (errors.MalformedRequestError("not JSON"), 400),
    (errors.PayloadTooLargeError("too big"), 413),
    (errors.NotFoundError("flag", "f"), 404),
    (errors.AlreadyExistsError("flag", "f"), 409),
    (errors.VersionConflictError("flag", "f", 1, 2), 409),
    (errors.VersionRequiredError("say which version"), 428),
    (errors.ConflictError("in use"), 409),
    (errors.FlagLockedError("locked by release r", {"release": "r"}), 409),
    (errors.LastAdminError("the last admin", {"resource": "person", "key": "p"}), 409),
    (errors.InvalidStateError("already archived"), 409),
    (errors.InvitationExpiredError("this invitation has expired"), 409),
    (errors.SsoNotConfiguredError("no single sign-on here"), 404),
    (errors.SsoStateMismatchError("not the sign-in we started"), 400),
    (errors.SsoNonceMismatchError("not the nonce we sent"), 400),
    (errors.SsoTokenInvalidError("bad ID token"), 401),
    (errors.SsoProviderError("the provider did not answer"), 502),
    (errors.AuthenticationError("who are you"), 401),
    (errors.PermissionDeniedError("not you"), 403),
    (errors.RateLimitedError("slow down", 7), 429),
    (errors.CapacityReachedError("full", 30), 503),
    (errors.PremiereError("the bare root"), 500),
]


def test_error_mapping__every_error_class__has_an_example() -> None:
    assert {type(e) for e, _ in ERROR_EXAMPLES} == set(errors.all_error_classes())


@pytest.mark.parametrize(("error", "status"), ERROR_EXAMPLES, ids=lambda v: getattr(v, "code", v))
def test_error_mapping__raised_in_a_route__status_and_shape(
    store: Store, settings: Settings, error: errors.PremiereError, status: int
) -> None:
    app = create_app(settings, store)

    @app.get("/raise")
    def raise_it() -> None:
        raise error

    with running(app, raise_errors=False) as client:
        response = client.get("/raise")
    body = _error(response, status, "internal_error" if status == 500 else error.code)
    if status != 500:
        assert body["message"] == error.message
        assert body["details"] == error.details
    if status == 429:
        assert response.headers["retry-after"] == "7"
