"""The releases API through the real app: a whole lifecycle, approvals, conflicts,
freezes, trains and scheduled changes, with the stable error codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running

from .conftest import SHA, later

BASE = "/api/v1/projects/shop"


@pytest.fixture
def shop(store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://", max_body_bytes=1_048_576)
    with running(create_app(settings, store)) as client:
        api = Api(client, store, admin_token)
        api.project("shop", ("staging", "production"))
        api.ok(api.post(f"{BASE}/services", {"key": "api"}), 201)
        api.flag("shop", "checkout")
        api.ok(api.post(f"{BASE}/segments", {"key": "staff", "included": ["ada"]}), 201)
        yield api


def deploy(api: Api, version: str = "2.0.0", features: list[str] | None = None) -> None:
    body = {
        "service": "api",
        "environment": "production",
        "version": version,
        "commit_sha": SHA,
        "features": features or [],
    }
    view = api.ok(api.post(f"{BASE}/deployments", body), 201)
    finish = f"{BASE}/deployments/{view['id']}/finish?wait=10"
    api.ok(api.post(finish, {"outcome": "succeeded"}))


def create(api: Api, token: str | None = None, **more: Any) -> dict[str, Any]:
    body = {
        "key": "new-checkout",
        "environment": "production",
        "features": [{"flag": "checkout", "variation": 0, "min_versions": {"api": "2.0.0"}}],
        "plan": {
            "stages": [
                {"segment": "staff"},
                {"percent": 10, "hold": "PT1H"},
                {"percent": 100, "advance": "manual"},
            ]
        },
        "notes": {"title": "A faster checkout", "body": "**One** page.", "category": "improved"},
        **more,
    }
    return dict(api.ok(api.post(f"{BASE}/releases", body, token=token), 201))


def act(api: Api, action: str, version: int, body: dict[str, Any] | None = None) -> Any:
    return api.post(f"{BASE}/releases/new-checkout/{action}", {**(body or {}), "version": version})


def code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_lifecycle__by_api__draft_to_released(shop: Api) -> None:
    creator = shop.token("admin")
    view = create(shop, token=creator, required_approvals=1)
    assert (view["state"], view["approvals"]) == ("draft", {"required": 1, "valid": 0, "void": 0})
    readiness = shop.ok(shop.get(f"{BASE}/releases/new-checkout/readiness"))
    assert [(m["kind"], m["service"]) for m in readiness["missing"]] == [
        ("deployment", "api"),
        ("approvals", None),
    ]
    refused = shop.post(f"{BASE}/releases/new-checkout/approvals", {}, token=creator)
    assert code(refused) == (422, "validation_failed")
    assert refused.json()["error"]["details"]["errors"][0]["rule"] == "self_approval"
    approval = shop.ok(shop.post(f"{BASE}/releases/new-checkout/approvals", {"comment": "go"}), 201)
    assert approval["digest"] == view["digest"] and approval["void"] is False
    assert code(act(shop, "start", view["version"])) == (409, "invalid_state")
    deploy(shop, "2.0.0")
    view = shop.ok(shop.get(f"{BASE}/releases/new-checkout"))
    view = shop.ok(act(shop, "start", view["version"], {"reason": "launch"}))
    assert (view["state"], view["stage"]) == ("rolling_out", 0)
    config = shop.ok(shop.get(f"{BASE}/flags/checkout/environments/production"))
    assert [r["id"] for r in config["rules"]] == [
        "release-new-checkout-v0",
        "release-new-checkout-s0",
    ]
    view = shop.ok(act(shop, "pause", view["version"], {"reason": "lunch"}))
    view = shop.ok(act(shop, "resume", view["version"]))
    view = shop.ok(act(shop, "advance", view["version"]))
    view = shop.ok(act(shop, "advance", view["version"]))
    view = shop.ok(act(shop, "advance", view["version"]))
    assert view["state"] == "released"
    history = shop.ok(shop.get(f"{BASE}/releases/new-checkout/history"))
    assert [(h["action"], h["to"]) for h in history] == [
        ("started", "rolling_out"),
        ("paused", "paused"),
        ("resumed", "rolling_out"),
        ("advanced", "rolling_out"),
        ("advanced", "rolling_out"),
        ("released", "released"),
    ]
    assert history[0]["reason"] == "launch" and history[1]["reason"] == "lunch"
    config = shop.ok(shop.get(f"{BASE}/flags/checkout/environments/production"))
    assert config["fallthrough"] == {"variation": 0} and config["rules"] == []


def test_patch__after_approval__approvals_void(shop: Api) -> None:
    view = create(shop, token=shop.token("admin"), required_approvals=1)
    shop.ok(shop.post(f"{BASE}/releases/new-checkout/approvals", {}), 201)
    response = shop.patch(
        f"{BASE}/releases/new-checkout",
        {"plan": {"stages": [{"percent": 100}]}},
        headers={"If-Match": f'"{view["version"]}"'},
    )
    assert shop.ok(response)["approvals"] == {"required": 1, "valid": 0, "void": 1}
    approvals = shop.ok(shop.get(f"{BASE}/releases/new-checkout/approvals"))
    assert [a["void"] for a in approvals] == [True]


def test_actions__without_version__428_and_stale__409(shop: Api) -> None:
    view = create(shop)
    missing = shop.post(f"{BASE}/releases/new-checkout/schedule", {})
    assert code(missing) == (428, "version_required")
    shop.ok(act(shop, "schedule", view["version"]))
    assert code(act(shop, "schedule", view["version"])) == (409, "version_conflict")


def test_create__bad_plan__422_with_field_and_rule(shop: Api) -> None:
    response = shop.post(
        f"{BASE}/releases",
        {
            "key": "r",
            "environment": "production",
            "features": [{"flag": "checkout", "variation": 0}],
            "plan": {"stages": [{"percent": 5}, {"percent": 5, "hold_seconds": -5}]},
            "schedule": {"start_at": "2001-01-01T00:00:00Z"},
        },
    )
    assert code(response) == (422, "validation_failed")
    rules = {(v["field"], v["rule"]) for v in response.json()["error"]["details"]["errors"]}
    assert rules == {
        ("plan.stages[1].percent", "increasing"),
        ("plan.stages[1].hold_seconds", "duration"),
        ("schedule.start_at", "in_past"),
    }


def test_create__flag_held_by_active_release__409_names_it(shop: Api) -> None:
    view = create(shop)
    shop.ok(act(shop, "schedule", view["version"]))
    response = shop.post(
        f"{BASE}/releases",
        {
            "key": "other",
            "environment": "production",
            "features": [{"flag": "checkout", "variation": 1}],
        },
    )
    assert code(response) == (409, "conflict")
    assert response.json()["error"]["details"]["release"] == "new-checkout"


def test_freeze_window__start__blocked_then_overridden_with_reason(shop: Api) -> None:
    deploy(shop, "2.0.0")
    view = create(shop)
    window = {
        "environment": "production",
        "start": later(-60).isoformat(),
        "end": later(600).isoformat(),
        "reason": "release freeze",
    }
    created = shop.ok(shop.post(f"{BASE}/freeze-windows", window), 201)
    blocked = act(shop, "start", view["version"])
    assert code(blocked) == (409, "invalid_state")
    assert blocked.json()["error"]["details"]["missing"][0]["kind"] == "freeze"
    view = shop.ok(act(shop, "start", view["version"], {"override_freeze": True, "reason": "fix"}))
    assert view["last_transition"]["freeze_override"] is True
    shop.ok(shop.delete(f"{BASE}/freeze-windows/{created['id']}"), 204)
    assert shop.ok(shop.get(f"{BASE}/freeze-windows")) == []


def test_trains_and_scheduled_changes__by_api(shop: Api) -> None:
    cadence = {
        "interval_weeks": 1,
        "weekday": "monday",
        "time": "09:30",
        "timezone": "America/New_York",
        "anchor": "2026-01-05",
    }
    train = shop.ok(shop.post(f"{BASE}/release-trains", {"key": "weekly", "cadence": cadence}), 201)
    assert len(train["next_departures"]) == 3
    departures = shop.ok(shop.get(f"{BASE}/release-trains/weekly/departures?count=4"))
    assert len(departures["departures"]) == 4
    body = {
        "flag": "checkout",
        "environment": "staging",
        "patch": {"on": True},
        "at": later(3600).isoformat(),
    }
    change = shop.ok(shop.post(f"{BASE}/scheduled-changes", body), 201)
    assert change["status"] == "pending"
    cancelled = shop.ok(shop.delete(f"{BASE}/scheduled-changes/{change['id']}"))
    assert cancelled["status"] == "cancelled"
    again = shop.delete(f"{BASE}/scheduled-changes/{change['id']}")
    assert code(again) == (409, "invalid_state")
    past = shop.post(f"{BASE}/scheduled-changes", {**body, "at": "2020-01-01T00:00:00Z"})
    assert code(past) == (422, "validation_failed")


def test_releases__deploy_token__forbidden(shop: Api) -> None:
    create(shop)
    deploy_token = shop.token("deploy")
    assert code(shop.get(f"{BASE}/releases", token=deploy_token)) == (403, "forbidden")
    approve = shop.post(f"{BASE}/releases/new-checkout/approvals", {}, token=deploy_token)
    assert code(approve) == (403, "forbidden")
