"""The API refuses changes to a flag that a release in flight controls: 409
``flag_locked_by_release``, naming the release, nothing changed."""

from __future__ import annotations

from tests.api.support import Api

from .test_release_api import BASE, act, code, create, deploy, shop

__all__ = ["shop"]

CONFIG = f"{BASE}/flags/checkout/environments/production"


def test_patch_and_put__flag_of_a_release_rolling_out__409_naming_it(shop: Api) -> None:
    deploy(shop, "2.0.0")
    view = create(shop)
    view = shop.ok(act(shop, "start", view["version"]))
    before = shop.ok(shop.get(CONFIG))
    version = {"If-Match": f'"{before["version"]}"'}
    patched = shop.patch(CONFIG, {"on": False}, headers=version)
    assert code(patched) == (409, "flag_locked_by_release")
    details = patched.json()["error"]["details"]
    assert (details["release"], details["state"]) == ("new-checkout", "rolling_out")
    assert "roll the release back" in patched.json()["error"]["message"]
    put = shop.put(CONFIG, {**{k: before[k] for k in ("on", "rules", "targets")},
                            "fallthrough": {"variation": 1}}, headers=version)  # fmt: skip
    assert code(put) == (409, "flag_locked_by_release")
    assert shop.ok(shop.get(CONFIG)) == before
    # Staging is not the release's: its configuration may change
    staging = f"{BASE}/flags/checkout/environments/staging"
    headers = {"If-Match": f'"{shop.ok(shop.get(staging))["version"]}"'}
    shop.ok(shop.patch(staging, {"on": True}, headers=headers))
    # Rolled back, the flag is free again
    shop.ok(act(shop, "rollback", view["version"]))
    after = shop.ok(shop.get(CONFIG))
    headers = {"If-Match": f'"{after["version"]}"'}
    shop.ok(shop.patch(CONFIG, {"on": True}, headers=headers))
