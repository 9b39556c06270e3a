from __future__ import annotations

from tests.api.support import Api

from .conftest import SHA, deploy, record

BASE = "/api/v1/projects/shop/deployments"


def test_record__new__201_pending_with_location(shop: Api) -> None:
    response = record(shop, features=["checkout", "checkout"], artifact="img:1")

    view = shop.ok(response, 201)
    assert response.headers["Location"] == f"{BASE}/{view['id']}"
    assert view["status"] == "pending"
    assert view["service"] == "web" and view["environment"] == "staging"
    assert view["features"] == ["checkout"]
    assert view["unknown_features"] == ["checkout"]
    assert view["actor"]["kind"] == "token"
    assert shop.ok(shop.get(f"{BASE}/{view['id']}")) == view


def test_record__same_idempotency_key__200_same_deployment(shop: Api) -> None:
    first = shop.ok(record(shop, idempotency_key="run-1"), 201)

    again = shop.ok(record(shop, idempotency_key="run-1"))
    by_header = shop.ok(record(shop, headers={"Idempotency-Key": "run-1"}))

    assert again["id"] == by_header["id"] == first["id"]
    assert len(shop.ok(shop.get(BASE))["items"]) == 1


def test_record__same_key_other_body__409_conflict(shop: Api) -> None:
    shop.ok(record(shop, idempotency_key="run-1"), 201)

    response = record(shop, version="2.0.0", idempotency_key="run-1")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_record__unknown_service_or_environment__404_naming_it(shop: Api) -> None:
    missing_env = record(shop, environment="qa")
    missing_service = shop.post(
        BASE, {"service": "api", "environment": "staging", "version": "1", "commit_sha": SHA}
    )

    assert missing_env.status_code == 404
    assert missing_env.json()["error"]["details"] == {"resource": "environment", "key": "qa"}
    assert missing_service.json()["error"]["details"] == {"resource": "service", "key": "api"}


def test_record__bad_version_and_sha__422_field_and_rule(shop: Api) -> None:
    response = record(shop, version="-bad version", commit_sha="xyz")

    assert response.status_code == 422
    errors = {(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]}
    assert errors == {("version", "version_pattern"), ("commit_sha", "sha_pattern")}


def test_record__long_log__tail_kept_and_marked(shop: Api) -> None:
    log = "x" * 70_000 + "THE END"

    view = shop.ok(record(shop, log_excerpt=log), 201)

    assert view["log_truncated"] is True
    assert view["log_excerpt"].endswith("THE END")
    assert len(view["log_excerpt"]) == 65_536


def test_finish__no_checks__succeeded_and_verified(shop: Api) -> None:
    view = deploy(shop)

    assert view["status"] == "succeeded"
    assert view["verified"] is True
    assert view["verification"] == {"status": "passed", "checks": []}
    assert view["finished_at"] and view["verified_at"]


def test_status__succeeded_to_in_progress__409_invalid_state(shop: Api) -> None:
    view = deploy(shop)

    response = shop.post(f"{BASE}/{view['id']}/status", {"status": "in_progress"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_status__in_progress_then_failed__timestamps(shop: Api) -> None:
    view = shop.ok(record(shop), 201)

    started = shop.ok(shop.post(f"{BASE}/{view['id']}/status", {"status": "in_progress"}))
    failed = shop.ok(
        shop.post(f"{BASE}/{view['id']}/finish", {"outcome": "failed", "reason": "boom"})
    )

    assert started["status"] == "in_progress" and started["started_at"]
    assert failed["status"] == "failed" and failed["reason"] == "boom"
    assert failed["verified"] is False


def test_get__unknown_or_junk_id__404(shop: Api) -> None:
    assert shop.get(f"{BASE}/999").status_code == 404
    assert shop.get(f"{BASE}/abc").status_code == 404


def test_list__filters_and_cursor(shop: Api) -> None:
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        deploy(shop, version=version)
    deploy(shop, environment="production", version="1.0.0")

    first = shop.ok(shop.get(f"{BASE}?environment=staging&limit=2"))
    second = shop.ok(shop.get(f"{BASE}?environment=staging&limit=2&cursor={first['next_cursor']}"))
    by_version = shop.ok(shop.get(f"{BASE}?version=1.0.0&status=succeeded"))

    assert [d["version"] for d in first["items"]] == ["1.2.0", "1.1.0"]
    assert [d["version"] for d in second["items"]] == ["1.0.0"]
    assert second["next_cursor"] is None
    assert {d["environment"] for d in by_version["items"]} == {"staging", "production"}


def test_list__bad_filters__422(shop: Api) -> None:
    response = shop.get(f"{BASE}?status=dancing&cursor=nope")

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["error"]["details"]["errors"]}
    assert fields == {"query.status", "query.cursor"}


def test_deploy_token__records_and_reads__but_cannot_configure_checks(shop: Api) -> None:
    token = shop.token("deploy", project="shop")

    recorded = record(shop, token=token)
    checks = shop.post(
        "/api/v1/projects/shop/services/web/checks",
        {"key": "c", "kind": "command", "argv": ["true"]},
        token=token,
    )

    assert recorded.status_code == 201
    assert recorded.json()["actor"]["name"] == "deploy token"
    assert checks.status_code == 403


def test_audit__recorded_and_status_changed(shop: Api) -> None:
    view = deploy(shop)

    events = shop.ok(shop.get(f"/api/v1/audit?resource_type=deployment&resource_key={view['id']}"))

    actions = [event["action"] for event in events["items"]]
    assert actions == [
        "deployment.status_changed",
        "deployment.status_changed",
        "deployment.recorded",
    ]
