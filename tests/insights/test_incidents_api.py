"""Incidents over HTTP: record, list, get, end, the inbound webhook, and their audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from tests.api.support import Api
from tests.insights.history import PERIOD, at

INCIDENTS = "/api/v1/projects/shop/incidents"


def _deployment_id(api: Api, version: str) -> int:
    items = api.ok(api.get("/api/v1/projects/shop/deployments", params={"version": version}))
    return int(items["items"][0]["id"])


def _audit_actions(api: Api) -> list[str]:
    events = api.ok(api.get("/api/v1/audit", params={"project": "shop", "limit": 50}))
    return [e["action"] for e in events["items"]]


def test_incidents__record_then_end__audited_and_listed(shop: Api) -> None:
    body = {
        "title": "Checkout slow",
        "severity": "sev1",
        "started_at": "2026-03-20T21:00:00+01:00",
        "deployment": _deployment_id(shop, "1.4.0"),
    }
    created = shop.ok(shop.post(INCIDENTS, body), 201)
    assert created["started_at"] == "2026-03-20T20:00:00.000000Z" and created["ended_at"] is None
    listed = shop.ok(shop.get(INCIDENTS, params={"open": "true"}))
    assert [i["id"] for i in listed["items"]] == [created["id"]]
    ended = shop.ok(
        shop.post(
            f"{INCIDENTS}/{created['id']}/end",
            {"ended_at": "2026-03-20T20:45:00.000000Z", "resolution": "rollback"},
        )
    )
    assert (ended["duration_seconds"], ended["resolution"]) == (2700.0, "rollback")
    assert (
        shop.ok(shop.get(f"{INCIDENTS}/{created['id']}"))["ended_at"]
        == "2026-03-20T20:45:00.000000Z"
    )
    actions = _audit_actions(shop)
    assert "incident.recorded" in actions and "incident.ended" in actions


def test_incidents__linked_deployment__becomes_a_failed_deployment(shop: Api) -> None:
    period = parse_period(PERIOD, at(23, 0))
    before = dora_measures(shop.store, "shop", period)["change_failure_rate"]["failures"]
    body = {"title": "x", "severity": "sev3", "started_at": "2026-03-21T00:00:00.000000Z"}
    shop.ok(shop.post(INCIDENTS, {**body, "deployment": _deployment_id(shop, "1.4.0")}), 201)
    assert (
        dora_measures(shop.store, "shop", period)["change_failure_rate"]["failures"] == before + 1
    )


def test_incidents__ending_before_start__422_naming_ended_at(shop: Api) -> None:
    body = {
        "title": "x",
        "severity": "sev2",
        "started_at": "2026-03-20T10:00:00.000000Z",
        "ended_at": "2026-03-20T09:00:00.000000Z",
    }
    response = shop.post(INCIDENTS, body)
    assert response.status_code == 422
    rules = [(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]]
    assert rules == [("ended_at", "before_start")]
    assert shop.ok(shop.get(INCIDENTS))["items"][0]["title"] != "x"


def test_incidents__unknown_links__422_naming_each(shop: Api) -> None:
    body = {
        "title": "x",
        "severity": "sev2",
        "started_at": "2026-03-20T10:00:00.000000Z",
        "deployment": 999_999,
        "release": "nope",
    }
    response = shop.post(INCIDENTS, body)
    assert response.status_code == 422
    rules = {(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]}
    assert rules == {("deployment", "unknown_deployment"), ("release", "unknown_release")}


def test_incidents__sdk_token_records__403(shop: Api) -> None:
    token = shop.token("sdk-server", "shop", "production")
    body = {"title": "x", "severity": "sev2", "started_at": "2026-03-20T10:00:00.000000Z"}
    assert shop.post(INCIDENTS, body, token=token).status_code == 403


def test_incident_webhook__open_then_resolved__records_then_ends(shop: Api) -> None:
    token = shop.token("deploy", "shop")
    payload: dict[str, Any] = {
        "id": "PD-42",
        "title": "Error rate above 5 %",
        "severity": "sev2",
        "started_at": "2026-03-21T10:00:00.000000Z",
    }
    first = shop.post(f"{INCIDENTS}/webhook", payload, token=token)
    assert first.status_code == 201 and first.json()["result"] == "recorded"
    again = shop.ok(shop.post(f"{INCIDENTS}/webhook", payload, token=token))
    assert again["result"] == "unchanged"
    resolved = {"id": "PD-42", "status": "resolved", "ended_at": "2026-03-21T10:30:00.000000Z"}
    answer = shop.ok(shop.post(f"{INCIDENTS}/webhook", resolved, token=token))
    assert answer["result"] == "ended"
    assert answer["incident"]["duration_seconds"] == 1800.0
    assert answer["incident"]["source"] == "webhook"


def test_incident_webhook__without_id__422_naming_id(shop: Api) -> None:
    response = shop.post(f"{INCIDENTS}/webhook", {"title": "x"})
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["error"]["details"]["errors"]]
    assert "id" in fields


def test_deployments_api__fix_mark__recorded_and_counted_as_rework(shop: Api) -> None:
    body = {
        "service": "api",
        "environment": "production",
        "version": "1.4.1",
        "commit_sha": "abcdef1",
        "fix": True,
    }
    created = shop.ok(shop.post("/api/v1/projects/shop/deployments", body), 201)
    assert created["fix"] is True
    shop.ok(shop.post(f"/api/v1/projects/shop/deployments/{created['id']}/finish",
                      {"outcome": "succeeded"}), 200)  # fmt: skip
    now = datetime.now(UTC)  # the ledger stamps the deployment with the time of day
    period = parse_period(
        {"from": (now - timedelta(hours=1)).isoformat()}, now + timedelta(hours=1)
    )
    rework = dora_measures(shop.store, "shop", period)["rework_rate"]
    assert (rework["deployments"], rework["rework"]) == (1, 1)
