"""What's new for end users through the real app: who sees a note during a rollout, a
segment audience, a rollback, seen notes, the SDK's local answer, CORS and the widget."""

from __future__ import annotations

from typing import Any

import pytest

from premiere import engine
from premiere.api.communication.whatsnew import WIDGET
from premiere.sdk import Client, Config
from tests.api.support import Api
from tests.releases.test_release_api import BASE, act, create, deploy, shop

__all__ = ["shop"]
PLAN = {"stages": [{"segment": "staff"}, {"percent": 25}, {"percent": 100, "advance": "manual"}]}
NOTES = f"{BASE}/releases/new-checkout/notes"
USERS = [f"user-{i}" for i in range(120)]


def rolled_out(api: Api, stages: int = 1) -> dict[str, Any]:
    """The release at its 25 % stage (its notes published: the first public stage)."""
    view = create(api, plan=PLAN)
    deploy(api)
    view = api.ok(act(api, "start", view["version"]))
    for _ in range(stages):
        view = api.ok(act(api, "advance", view["version"]))
    return dict(view)


def whats_new(api: Api, token: str, context: dict[str, Any]) -> Any:
    return api.ok(api.post("/api/v1/whats-new", {"context": context}, token=token))


def titles(answer: Any) -> list[str]:
    return [note["title"] for note in answer["notes"]]


def checkout_on(api: Api, token: str, key: str) -> bool:
    document = api.ok(api.get("/api/v1/sdk/flags", token=token))
    compiled = engine.compile_document(document)
    return engine.evaluate(compiled, "checkout", {"key": key}).value is True


def test_whats_new__25_percent_rollout__only_users_inside_see_the_note(shop: Api) -> None:
    rolled_out(shop)
    client = shop.token("sdk-client", "shop", "production")
    server = shop.token("sdk-server", "shop", "production")
    document = shop.ok(shop.get("/api/v1/sdk/flags", token=server))
    compiled = engine.compile_document(document)
    inside = {u for u in USERS if engine.evaluate(compiled, "checkout", {"key": u}).value is True}
    assert 0 < len(inside) < len(USERS)  # some users in the 25 %, some outside
    for user in USERS:
        answer = whats_new(shop, client, {"key": user})
        expected = ["A faster checkout"] if user in inside else []
        assert titles(answer) == expected, user
        assert answer["unseen"] == len(expected)


def test_whats_new__segment_audience__excludes_everyone_else(shop: Api) -> None:
    rolled_out(shop)
    body = {"title": "For staff", "audience": "staff", "features": []}
    note = shop.ok(shop.post(NOTES, body), 201)
    assert note["state"] == "published"
    client = shop.token("sdk-client", "shop", "production")
    assert "For staff" in titles(whats_new(shop, client, {"key": "ada"}))  # in the segment
    for user in USERS[:30]:
        assert "For staff" not in titles(whats_new(shop, client, {"key": user}))


def test_whats_new__after_rollback__nobody_sees_the_note(shop: Api) -> None:
    view = rolled_out(shop)
    client = shop.token("sdk-client", "shop", "production")
    seen_by = [u for u in USERS if whats_new(shop, client, {"key": u})["notes"]]
    assert seen_by
    shop.ok(act(shop, "rollback", view["version"]))
    for user in seen_by:
        assert whats_new(shop, client, {"key": user}) == {"notes": [], "unseen": 0}


def test_whats_new_seen__marked__unseen_count_drops_for_that_key_only(shop: Api) -> None:
    rolled_out(shop, stages=2)  # 100 %: everyone has the feature
    shop.ok(shop.post(NOTES, {"title": "Second", "features": []}), 201)
    client = shop.token("sdk-client", "shop", "production")
    answer = whats_new(shop, client, {"key": "u1"})
    assert answer["unseen"] == 2 and titles(answer) == ["Second", "A faster checkout"]
    first = answer["notes"][1]["id"]
    seen = shop.post(
        "/api/v1/whats-new/seen", {"context": {"key": "u1"}, "notes": [first]}, token=client
    )
    assert shop.ok(seen)["unseen"] == 1
    again = whats_new(shop, client, {"key": "u1"})
    assert [n["seen"] for n in again["notes"]] == [False, True]
    assert whats_new(shop, client, {"key": "u2"})["unseen"] == 2
    everything = shop.post("/api/v1/whats-new/seen", {"context": {"key": "u1"}}, token=client)
    assert shop.ok(everything)["unseen"] == 0
    bad = shop.post(
        "/api/v1/whats-new/seen", {"context": {"key": "u1"}, "notes": ["x"]}, token=client
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["errors"][0]["field"] == "notes[0]"


def test_whats_new__sdk_local_answer__equals_the_server_s(shop: Api) -> None:
    rolled_out(shop)
    shop.ok(shop.post(NOTES, {"title": "Staff only", "audience": "staff", "features": []}), 201)
    server = shop.token("sdk-server", "shop", "production")
    document = shop.ok(shop.get("/api/v1/sdk/flags", token=server))
    assert [n["title"] for n in document["notes"]] == ["Staff only", "A faster checkout"]
    assert all("internal" not in n for n in document["notes"])
    with Client(Config(offline=True, bootstrap=document)) as sdk:
        for user in [*USERS[:60], "ada"]:
            remote = whats_new(shop, server, {"key": user})["notes"]
            local = sdk.whats_new({"key": user})
            assert local == [{k: v for k, v in n.items() if k != "seen"} for n in remote], user
        assert sdk.whats_new("not a context") == []  # type: ignore[arg-type]


def test_whats_new__tokens__sdk_only_and_cannot_touch_releases(shop: Api) -> None:
    view = rolled_out(shop)
    client = shop.token("sdk-client", "shop", "production")
    deploy_token = shop.token("deploy", "shop")
    assert shop.post("/api/v1/whats-new", {}, token=deploy_token).status_code == 403
    assert act_as(shop, client, view["version"]).status_code in (401, 403)
    summary = shop.get(f"{BASE}/releases/new-checkout/feedback", token=client)
    assert summary.status_code == 403
    assert shop.client.request("POST", "/api/v1/whats-new").status_code == 401


def act_as(api: Api, token: str, version: int) -> Any:
    return api.post(f"{BASE}/releases/new-checkout/rollback", {"version": version}, token=token)


def test_whats_new__cors__preflight_and_errors_readable_by_any_origin(shop: Api) -> None:
    preflight = shop.client.request(
        "OPTIONS",
        "/api/v1/whats-new/1/feedback",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    refused = shop.client.request("POST", "/api/v1/whats-new", headers={"Origin": "https://a.b"})
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in shop.get("/api/v1/projects").headers


def test_widget__served__a_web_component_under_15_kb(shop: Api) -> None:
    response = shop.client.request("GET", "/widget/whats-new.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert 'customElements.define("premiere-whats-new"' in response.text
    assert len(response.content) < 15 * 1024
    assert WIDGET.stat().st_size < 15 * 1024
    assert "innerHTML" not in response.text  # note HTML goes through the allow-list copy


@pytest.mark.parametrize("context", [{"key": 5}, {"key": "x" * 257}, []])
def test_whats_new__bad_context__422_naming_the_field(shop: Api, context: Any) -> None:
    client = shop.token("sdk-client", "shop", "production")
    response = shop.post("/api/v1/whats-new", {"context": context}, token=client)
    assert response.status_code == 422
    field = response.json()["error"]["details"]["errors"][0]["field"]
    assert field in ("context", "context.key")
