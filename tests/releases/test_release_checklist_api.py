"""The go-to-market checklist over HTTP: template, a release's checklist, tick and
untick, readiness naming the missing items, and bad input refused naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import Api

from .test_release_api import BASE, create, deploy, shop  # noqa: F401  (the fixture)

TEMPLATE = {
    "items": [
        {"title": "Docs published", "owner": "docs@example.com", "required": True},
        {"key": "support", "title": "Support briefed", "owner": "Sam", "due_days_before": 1},
    ]
}
CHECKLIST = f"{BASE}/releases/new-checkout/checklist"


def test_checklist_api__template_tick_start(shop: Api) -> None:  # noqa: F811
    shop.ok(shop.put(f"{BASE}/checklist-template", TEMPLATE))
    deploy(shop)
    release = create(shop)

    readiness = shop.ok(shop.get(f"{BASE}/releases/new-checkout/readiness"))
    refused = shop.post(f"{BASE}/releases/new-checkout/start", {"version": release["version"]})
    item = shop.ok(shop.post(f"{CHECKLIST}/docs-published/tick"))
    started = shop.post(f"{BASE}/releases/new-checkout/start", {"version": release["version"]})

    assert [m["needed"]["item"] for m in readiness["missing"] if m["kind"] == "checklist"] == [
        "docs-published"
    ]
    assert refused.status_code == 409
    missing = refused.json()["error"]["details"]["missing"]
    assert [m["needed"]["title"] for m in missing] == ["Docs published"]
    assert item["done"] is True and item["done_by"]["kind"] == "token"
    assert started.status_code == 200, started.text
    assert shop.ok(shop.get(CHECKLIST))["missing"] == []
    untick = shop.ok(shop.post(f"{CHECKLIST}/docs-published/untick"))
    assert untick["done"] is False


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"title": "Docs published"}], "items[0].owner"),
        ([{"title": "Docs", "owner": "a", "due_at": "tomorrow"}], "items[0].due_at"),
        ([{"title": "Docs", "owner": "a", "due_days_before": -2}], "items[0].due_days_before"),
    ],
)
def test_put_checklist__bad_item__422_naming_the_field(
    shop: Api,  # noqa: F811
    items: Any,
    field: str,
) -> None:
    create(shop)

    response = shop.put(CHECKLIST, {"items": items})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in {e["field"] for e in error["details"]["errors"]}
    assert shop.ok(shop.get(CHECKLIST))["items"] == []


def test_put_template__owner_missing__422_nothing_changed(shop: Api) -> None:  # noqa: F811
    response = shop.put(f"{BASE}/checklist-template", {"items": [{"title": "Docs"}]})

    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["field"] == "items[0].owner"
    assert shop.ok(shop.get(f"{BASE}/checklist-template"))["items"] == []


def test_tick__unknown_item__404(shop: Api) -> None:  # noqa: F811
    create(shop)

    response = shop.post(f"{CHECKLIST}/nope/tick")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi__checklist_routes_documented(shop: Api) -> None:  # noqa: F811
    paths = shop.ok(shop.get("/openapi.json"))["paths"]

    assert {"get", "put"} <= set(paths["/api/v1/projects/{project}/checklist-template"])
    assert "post" in paths["/api/v1/projects/{project}/releases/{release}/checklist/{item}/tick"]
