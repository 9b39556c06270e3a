"""Tokens and scopes: who may call what."""

from __future__ import annotations

from typing import Any

import pytest

from .support import Api

P = "/api/v1/projects/demo"

# (method, path, body) -> the scopes allowed; every other scope gets 403
MATRIX: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/api/v1/projects", None, {"admin", "deploy"}),
    ("GET", P, None, {"admin", "deploy"}),
    ("GET", f"{P}/environments", None, {"admin", "deploy"}),
    ("GET", f"{P}/environments/production", None, {"admin", "deploy"}),
    ("GET", f"{P}/services", None, {"admin", "deploy"}),
    ("POST", "/api/v1/projects", {"key": "new"}, {"admin"}),
    ("PATCH", P, {"name": "x", "version": 1}, {"admin"}),
    ("POST", f"{P}/environments", {"key": "qa"}, {"admin"}),
    ("POST", f"{P}/services", {"key": "web"}, {"admin"}),
    ("GET", f"{P}/flags", None, {"admin"}),
    ("GET", f"{P}/flags/f", None, {"admin"}),
    ("POST", f"{P}/flags", {"key": "g"}, {"admin"}),
    ("GET", f"{P}/flags/f/environments/production", None, {"admin"}),
    ("PATCH", f"{P}/flags/f/environments/production", {"on": True, "version": 1}, {"admin"}),
    ("POST", f"{P}/environments/production/evaluate/f", {"context": {"key": "u"}}, {"admin"}),
    ("GET", f"{P}/segments", None, {"admin"}),
    ("POST", f"{P}/segments", {"key": "s"}, {"admin"}),
    ("GET", "/api/v1/audit", None, {"admin"}),
    ("GET", "/api/v1/tokens", None, {"admin"}),
    ("POST", "/api/v1/tokens", {"name": "t", "scope": "deploy"}, {"admin"}),
    ("GET", "/api/v1/sdk/flags", None, {"sdk-server", "sdk-client"}),
]
SCOPES = ("admin", "deploy", "sdk-server", "sdk-client")


@pytest.fixture
def tokens(demo: Api) -> dict[str, str]:
    demo.flag("demo", "f")
    return {
        "admin": demo.admin_token,
        "deploy": demo.token("deploy"),
        "sdk-server": demo.token("sdk-server", "demo", "production"),
        "sdk-client": demo.token("sdk-client", "demo", "production"),
    }


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX)
def test_scopes__matrix__allowed_succeed_others_403(
    demo: Api, tokens: dict[str, str], method: str, path: str, body: Any, allowed: set[str]
) -> None:
    for scope in SCOPES:
        if scope == "admin" and path == "/api/v1/sdk/flags":
            continue  # admin needs ?project=&environment= there; see test_sdk
        response = demo.request(method, path, token=tokens[scope], json=body)
        if scope in allowed:
            assert response.status_code < 300, (scope, response.text)
        else:
            assert response.status_code == 403, (scope, response.text)
            assert response.json()["error"]["code"] == "forbidden"


def test_token__x_api_key_header__accepted(demo: Api) -> None:
    response = demo.client.get("/api/v1/projects", headers={"X-API-Key": demo.admin_token})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer prm_0000000000000000_nope"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "garbage"},
        {},
    ],
)
def test_token__missing_or_unknown__401(demo: Api, headers: dict[str, str]) -> None:
    response = demo.client.get("/api/v1/projects", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_token__revoked__401_from_then_on(demo: Api) -> None:
    created = demo.ok(demo.post("/api/v1/tokens", {"name": "ci", "scope": "deploy"}), 201)
    raw = created["token"]
    assert raw.startswith("prm_")
    assert demo.get("/api/v1/projects", token=raw).status_code == 200
    revoked = demo.ok(demo.delete(f"/api/v1/tokens/{created['id']}"))
    assert revoked["revoked_at"] is not None
    response = demo.get("/api/v1/projects", token=raw)
    assert response.status_code == 401


def test_tokens__list__never_shows_secrets(demo: Api) -> None:
    demo.token("deploy")
    items = demo.ok(demo.get("/api/v1/tokens"))
    assert len(items) == 2
    assert all("token" not in item and "secret_hash" not in item for item in items)
    assert {item["scope"] for item in items} == {"admin", "deploy"}


def test_token__sdk_without_environment__422_required(demo: Api) -> None:
    response = demo.post("/api/v1/tokens", {"name": "x", "scope": "sdk-server", "project": "demo"})
    assert response.status_code == 422
    errors = response.json()["error"]["details"]["errors"]
    assert any(e["field"] == "environment" and e["rule"] == "required" for e in errors)


def test_deploy_token__bound_to_project__403_on_other_projects(demo: Api) -> None:
    demo.project("other")
    bound = demo.token("deploy", "demo")
    assert demo.get(P, token=bound).status_code == 200
    assert demo.get("/api/v1/projects/other", token=bound).status_code == 403
    assert demo.get("/api/v1/projects/other/environments", token=bound).status_code == 403
    listed = demo.ok(demo.get("/api/v1/projects", token=bound))
    assert [p["key"] for p in listed] == ["demo"]


def test_revoke__unknown_token__404(demo: Api) -> None:
    assert demo.delete("/api/v1/tokens/0000000000000000").status_code == 404
