"""Projects, environments and services: create, read, list, update, order."""

from __future__ import annotations

from .support import Api


def test_project__create_get_list_update__round_trips(api: Api) -> None:
    created = api.ok(api.post("/api/v1/projects", {"key": "shop", "name": "Shop"}), 201)
    assert created["key"] == "shop"
    assert created["name"] == "Shop"
    assert created["version"] == 1
    assert created["created_at"].endswith(("Z", "+00:00"))

    response = api.get("/api/v1/projects/shop")
    assert api.ok(response) == created
    assert response.headers["etag"] == '"1"'

    assert [p["key"] for p in api.ok(api.get("/api/v1/projects"))] == ["shop"]

    updated = api.ok(
        api.patch("/api/v1/projects/shop", {"description": "The shop"}, headers={"If-Match": '"1"'})
    )
    assert updated["description"] == "The shop"
    assert updated["name"] == "Shop"
    assert updated["version"] == 2


def test_project__create_twice__409_already_exists(api: Api) -> None:
    api.project("shop")
    response = api.post("/api/v1/projects", {"key": "shop"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_exists"


def test_project__get_unknown__404_not_found(api: Api) -> None:
    response = api.get("/api/v1/projects/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["details"] == {"resource": "project", "key": "nope"}


def test_environments__created_in_order__listed_by_position(demo: Api) -> None:
    items = demo.ok(demo.get("/api/v1/projects/demo/environments"))
    assert [(e["key"], e["position"]) for e in items] == [
        ("development", 0),
        ("staging", 1),
        ("production", 2),
    ]
    assert all(e["project"] == "demo" for e in items)


def test_environments__patch_position__reorders_the_others(demo: Api) -> None:
    path = "/api/v1/projects/demo/environments/production"
    env = demo.ok(demo.get(path))
    moved = demo.ok(demo.patch(path, {"position": 0, "version": env["version"]}))
    assert moved["position"] == 0
    items = demo.ok(demo.get("/api/v1/projects/demo/environments"))
    assert [e["key"] for e in items] == ["production", "development", "staging"]
    assert [e["position"] for e in items] == [0, 1, 2]


def test_environment__create_production_and_rename__round_trips(demo: Api) -> None:
    created = demo.ok(
        demo.post(
            "/api/v1/projects/demo/environments",
            {"key": "eu", "name": "Europe", "production": True},
        ),
        201,
    )
    assert created["position"] == 3
    assert created["production"] is True
    path = "/api/v1/projects/demo/environments/eu"
    renamed = demo.ok(demo.patch(path, {"name": "EU"}, headers={"If-Match": "1"}))
    assert renamed["name"] == "EU"
    assert demo.get(path).headers["etag"] == f'"{renamed["version"]}"'


def test_environment__in_unknown_project__404(api: Api) -> None:
    response = api.post("/api/v1/projects/nope/environments", {"key": "dev"})
    assert response.status_code == 404


def test_services__create_get_list_update__round_trips(demo: Api) -> None:
    base = "/api/v1/projects/demo/services"
    created = demo.ok(
        demo.post(base, {"key": "api", "name": "API", "repository": "https://git.example/api"}),
        201,
    )
    assert created["project"] == "demo"
    assert created["repository"] == "https://git.example/api"
    assert demo.ok(demo.get(f"{base}/api")) == created
    assert [s["key"] for s in demo.ok(demo.get(base))] == ["api"]
    updated = demo.ok(demo.patch(f"{base}/api", {"description": "public API", "version": 1}))
    assert updated["description"] == "public API"
    assert updated["version"] == 2
    assert demo.ok(demo.get(f"{base}/api"))["version"] == 2
