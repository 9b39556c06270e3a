from __future__ import annotations

from typing import Any

from tests.api.support import Api

from .conftest import deploy, record

BASE = "/api/v1/projects/shop"


def promote(api: Api, source: str = "staging", target: str = "production", **more: str) -> Any:
    body = {"service": "web", "from": source, "to": target, **more}
    return api.post(f"{BASE}/deployments/promote", body)


def set_policy(api: Api, environment: str, required: bool) -> None:
    path = f"{BASE}/environments/{environment}/policy"
    current = api.ok(api.get(path))
    body = {"require_verified_in_previous": required, "version": current["version"]}
    api.ok(api.put(path, body))


def test_promote__verified_in_source__pending_copy_in_target(shop: Api) -> None:
    source = deploy(shop, version="1.2.0", features=["checkout"], artifact="img:1.2.0")

    response = promote(shop)

    view = shop.ok(response, 201)
    assert view["environment"] == "production" and view["status"] == "pending"
    assert view["promoted_from"] == source["id"]
    for field in ("version", "commit_sha", "artifact", "features"):
        assert view[field] == source[field]


def test_promote__nothing_verified_in_source__409_invalid_state(shop: Api) -> None:
    shop.ok(record(shop), 201)  # pending, not verified

    response = promote(shop)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_promote__same_idempotency_key__same_deployment(shop: Api) -> None:
    deploy(shop)

    first = shop.ok(promote(shop, idempotency_key="p-1"), 201)
    again = shop.ok(promote(shop, idempotency_key="p-1"))

    assert again["id"] == first["id"]


def test_policy__version_not_verified_in_previous__refused_and_nothing_stored(shop: Api) -> None:
    set_policy(shop, "production", True)
    deploy(shop, version="1.0.0")

    refused = record(shop, environment="production", version="2.0.0")
    allowed = record(shop, environment="production", version="1.0.0")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["policy"] == "require_verified_in_previous"
    assert error["details"]["previous_environment"] == "staging"
    assert allowed.status_code == 201
    listed = shop.ok(shop.get(f"{BASE}/deployments?environment=production"))["items"]
    assert [d["version"] for d in listed] == ["1.0.0"]


def test_policy__unverified_success_does_not_count(shop: Api) -> None:
    set_policy(shop, "production", True)
    view = shop.ok(record(shop, version="3.0.0"), 201)
    shop.ok(shop.post(f"{BASE}/deployments/{view['id']}/status", {"status": "succeeded"}))

    response = record(shop, environment="production", version="3.0.0")

    assert response.status_code == 409


def test_policy__first_environment__no_previous__allowed(shop: Api) -> None:
    set_policy(shop, "development", True)

    assert record(shop, environment="development").status_code == 201


def test_policy__get_and_update__versioned_and_audited(shop: Api) -> None:
    path = f"{BASE}/environments/production/policy"
    initial = shop.ok(shop.get(path))

    updated = shop.ok(shop.put(path, {"require_verified_in_previous": True, "version": 1}))
    stale = shop.put(path, {"require_verified_in_previous": False, "version": 1})
    deploy_token = shop.token("deploy", project="shop")

    assert initial["require_verified_in_previous"] is False and initial["version"] == 1
    assert updated["require_verified_in_previous"] is True and updated["version"] == 2
    assert stale.status_code == 409
    assert shop.put(path, {"require_verified_in_previous": False}).status_code == 428
    denied = shop.put(path, {"require_verified_in_previous": False}, token=deploy_token)
    assert denied.status_code == 403


def test_rollback__failed_deployment__redeploys_previous_and_marks_rolled_back(shop: Api) -> None:
    good = deploy(shop, version="1.0.0")
    bad = shop.ok(record(shop, version="1.1.0"), 201)
    shop.ok(shop.post(f"{BASE}/deployments/{bad['id']}/finish", {"outcome": "failed"}))

    rollback = shop.ok(shop.post(f"{BASE}/deployments/{bad['id']}/rollback", {}), 201)
    assert rollback["version"] == good["version"] and rollback["status"] == "pending"
    assert rollback["rollback_of"] == bad["id"]
    assert shop.ok(shop.get(f"{BASE}/deployments/{bad['id']}"))["status"] == "failed"

    done = shop.ok(
        shop.post(f"{BASE}/deployments/{rollback['id']}/finish?wait=5", {"outcome": "succeeded"})
    )
    after = shop.ok(shop.get(f"{BASE}/deployments/{bad['id']}"))

    assert done["status"] == "succeeded"
    assert after["status"] == "rolled_back" and after["rolled_back_by"] == rollback["id"]
    assert after["time_to_restore_seconds"] is not None
    assert after["time_to_restore_seconds"] == done["time_to_restore_seconds"] >= 0


def test_rollback__succeeded_current__matrix_shows_previous(shop: Api) -> None:
    deploy(shop, version="1.0.0")
    current = deploy(shop, version="1.1.0")

    rollback = shop.ok(shop.post(f"{BASE}/deployments/{current['id']}/rollback"), 201)
    shop.ok(shop.post(f"{BASE}/deployments/{rollback['id']}/finish", {"outcome": "succeeded"}))
    matrix = shop.ok(shop.get(f"{BASE}/environment-matrix"))

    assert matrix["services"][0]["environments"]["staging"]["version"] == "1.0.0"
    actions = shop.ok(shop.get("/api/v1/audit?action=deployment.rolled_back"))["items"]
    assert [a["resource_key"] for a in actions] == [str(current["id"])]


def test_rollback__nothing_earlier__409_invalid_state(shop: Api) -> None:
    only = deploy(shop)

    response = shop.post(f"{BASE}/deployments/{only['id']}/rollback", {})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_rollback__pending_deployment__409_invalid_state(shop: Api) -> None:
    deploy(shop, version="1.0.0")
    pending = shop.ok(record(shop, version="1.1.0"), 201)

    response = shop.post(f"{BASE}/deployments/{pending['id']}/rollback", {})

    assert response.status_code == 409


def test_promote__to_the_same_environment__422(shop: Api) -> None:
    deploy(shop)

    response = promote(shop, target="staging")

    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["rule"] == "not_allowed"
