from __future__ import annotations

from typing import Any

from premiere.services.deployments.darkcode import dormant_reason
from tests.api.support import Api

from .conftest import deploy, record

BASE = "/api/v1/projects/shop"


def configure(api: Api, flag: str, **fields: Any) -> None:
    path = f"{BASE}/flags/{flag}/environments/production"
    current = api.ok(api.get(path))
    api.ok(api.patch(path, {**fields, "version": current["version"]}))


def dark(api: Api) -> dict[str, Any]:
    view = api.ok(api.get(f"{BASE}/dark-code"))
    assert view["environment"] == "production"
    return {item["flag"]: item for item in view["items"]}


def test_features__unknown_keys_flagged_until_created(shop: Api) -> None:
    shop.flag("shop", "known")

    view = shop.ok(record(shop, features=["known", "later"]), 201)
    shop.flag("shop", "later")
    again = shop.ok(shop.get(f"{BASE}/deployments/{view['id']}"))

    assert view["unknown_features"] == ["later"]
    assert again["unknown_features"] == []


def test_flag_deployments__where_the_code_runs(shop: Api) -> None:
    shop.flag("shop", "checkout")
    deploy(shop, version="1.0.0", features=["checkout"])
    prod = deploy(shop, environment="production", version="1.0.0", features=["checkout"])
    deploy(shop, version="1.1.0")  # staging no longer carries it

    view = shop.ok(shop.get(f"{BASE}/flags/checkout/deployments"))

    by_env = {env["environment"]: env["services"] for env in view["environments"]}
    assert view["exists"] is True
    assert by_env["staging"] == [] and by_env["development"] == []
    assert [(s["service"], s["version"], s["deployment_id"]) for s in by_env["production"]] == [
        ("web", "1.0.0", prod["id"])
    ]
    assert len(view["deployments"]) == 2


def test_flag_deployments__unknown_key_carried__exists_false(shop: Api) -> None:
    deploy(shop, features=["ghost"])

    view = shop.ok(shop.get(f"{BASE}/flags/ghost/deployments"))

    assert view["exists"] is False and len(view["deployments"]) == 1


def test_flag_deployments__unknown_and_never_carried__404(shop: Api) -> None:
    assert shop.get(f"{BASE}/flags/nothing/deployments").status_code == 404


def test_dark_code__off_in_production__listed_with_since(shop: Api) -> None:
    shop.flag("shop", "checkout")
    first = deploy(shop, environment="production", version="1.0.0", features=["checkout"])
    deploy(shop, environment="production", version="1.1.0", features=["checkout"])

    items = dark(shop)

    assert items["checkout"]["reason"] == "off"
    assert items["checkout"]["services"] == ["web"]
    assert items["checkout"]["dormant_since"] == first["verified_at"]
    assert items["checkout"]["days_dormant"] == 0


def test_dark_code__on_and_serving_on__not_listed(shop: Api) -> None:
    shop.flag("shop", "checkout")
    deploy(shop, environment="production", features=["checkout"])
    configure(shop, "checkout", on=True)

    assert "checkout" not in dark(shop)


def test_dark_code__on_but_serving_only_off_variation__listed(shop: Api) -> None:
    shop.flag("shop", "checkout")
    deploy(shop, environment="production", features=["checkout"])
    configure(shop, "checkout", on=True, fallthrough={"variation": 1})

    assert dark(shop)["checkout"]["reason"] == "serves_off_variation"


def test_dark_code__not_verified_or_not_in_production__not_listed(shop: Api) -> None:
    shop.flag("shop", "a")
    shop.flag("shop", "b")
    deploy(shop, environment="staging", features=["a"])
    view = shop.ok(record(shop, environment="production", features=["b"]), 201)
    shop.ok(shop.post(f"{BASE}/deployments/{view['id']}/status", {"status": "succeeded"}))

    assert dark(shop) == {}


def test_dark_code__key_without_flag__flag_missing(shop: Api) -> None:
    deploy(shop, environment="production", features=["ghost"])

    assert dark(shop)["ghost"]["reason"] == "flag_missing"


class FakeFlag:
    def __init__(self, kind: str = "boolean", archived: bool = False) -> None:
        self.kind = kind
        self.archived = archived
        self.variations = [{"value": True}, {"value": False}]


def test_dormant_reason__rules_targets_and_rollouts() -> None:
    flag: Any = FakeFlag()
    base = {"on": True, "off_variation": 1, "fallthrough": {"variation": 1}}
    rollout = {
        "rollout": {
            "variations": [{"variation": 0, "weight": 0}, {"variation": 1, "weight": 100000}]
        }
    }

    assert dormant_reason(flag, base) == "serves_off_variation"
    assert dormant_reason(flag, {**base, "rules": [{"serve": {"variation": 0}}]}) is None
    assert dormant_reason(flag, {**base, "targets": [{"variation": 0, "values": ["u"]}]}) is None
    assert dormant_reason(flag, {**base, "targets": [{"variation": 0, "values": []}]}) == (
        "serves_off_variation"
    )
    assert dormant_reason(flag, {**base, "fallthrough": rollout}) == "serves_off_variation"
    assert dormant_reason(flag, {**base, "off_variation": None}) == "serves_off_variation"
    assert dormant_reason(FakeFlag("string"), {**base, "off_variation": None}) is None  # type: ignore[arg-type]
    assert dormant_reason(FakeFlag(archived=True), base) == "archived"  # type: ignore[arg-type]
    assert dormant_reason(None, None) == "flag_missing"
