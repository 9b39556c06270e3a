from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from tests.api.support import Api

from .conftest import SHA

BASE = "/api/v1/projects/shop"
HOOK = "/api/v1/webhooks/github/shop"
SECRET = "It's a Secret to Everybody"


@pytest.fixture
def hooked(shop: Api) -> Api:
    shop.ok(shop.put(f"{BASE}/webhooks/github/secret", {"secret": SECRET}))
    return shop


def deployment_event(gid: int = 1001, **payload: Any) -> dict[str, Any]:
    return {
        "action": "created",
        "deployment": {
            "id": gid,
            "sha": SHA,
            "ref": "main",
            "environment": "staging",
            "payload": {"service": "web", "version": "1.0.0", **payload},
        },
        "repository": {"name": "web-repo"},
        "sender": {"login": "octocat"},
    }


def status_event(state: str, gid: int = 1001) -> dict[str, Any]:
    return {**deployment_event(gid), "deployment_status": {"state": state, "description": "ci"}}


def send(
    api: Api, event: str, payload: Any, *, secret: str = SECRET, signature: str | None = None
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-GitHub-Event": event,
        "X-Hub-Signature-256": signature if signature is not None else f"sha256={digest}",
        "Content-Type": "application/json",
    }
    return api.client.request("POST", HOOK, content=body, headers=headers)


def deployments(api: Api) -> list[dict[str, Any]]:
    return list(api.ok(api.get(f"{BASE}/deployments"))["items"])


def test_secret__never_returned(hooked: Api) -> None:
    view = hooked.ok(hooked.get(f"{BASE}/webhooks/github/secret"))
    audit = hooked.ok(hooked.get("/api/v1/audit?resource_type=webhook_secret"))

    assert view["configured"] is True and "secret" not in view
    assert SECRET not in json.dumps(audit)


def test_ping__200(hooked: Api) -> None:
    response = send(hooked, "ping", {"zen": "Keep it logically awesome."})

    assert response.status_code == 200
    assert response.json()["action"] == "pong"


def test_deployment_event__recorded_once(hooked: Api) -> None:
    first = send(hooked, "deployment", deployment_event(features=["checkout"]))
    again = send(hooked, "deployment", deployment_event(features=["checkout"]))

    assert first.json()["action"] == "recorded" and again.json()["action"] == "seen"
    [view] = deployments(hooked)
    assert (view["service"], view["environment"], view["version"]) == ("web", "staging", "1.0.0")
    assert view["idempotency_key"] == "github-deployment-1001"
    assert view["features"] == ["checkout"]
    assert view["actor"]["name"] == "github:octocat"


def test_deployment_event__payload_as_string_and_repository_fallback(hooked: Api) -> None:
    hooked.ok(hooked.post(f"{BASE}/services", {"key": "web-repo"}), 201)
    event = deployment_event()
    event["deployment"]["payload"] = ""

    send(hooked, "deployment", event)

    [view] = deployments(hooked)
    assert view["service"] == "web-repo" and view["version"] == SHA[:12]


def test_status_events__in_progress_then_success__verified(hooked: Api) -> None:
    send(hooked, "deployment", deployment_event())

    progress = send(hooked, "deployment_status", status_event("in_progress"))
    success = send(hooked, "deployment_status", status_event("success"))
    redelivered = send(hooked, "deployment_status", status_event("success"))

    assert progress.json()["deployment"]["status"] == "in_progress"
    assert success.json()["deployment"]["status"] == "succeeded"
    assert redelivered.status_code == 200
    [view] = deployments(hooked)
    assert view["verified"] is True


def test_status_event__failure__failed_with_description(hooked: Api) -> None:
    response = send(hooked, "deployment_status", status_event("failure", gid=7))

    assert response.status_code == 200
    [view] = deployments(hooked)
    assert view["status"] == "failed" and view["reason"] == "ci"


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc"])
def test_bad_signature__401_nothing_stored(hooked: Api, signature: str) -> None:
    response = send(hooked, "deployment", deployment_event(), signature=signature)

    assert response.status_code == 401
    assert deployments(hooked) == []


def test_wrong_secret_or_none_configured__401(shop: Api) -> None:
    assert send(shop, "deployment", deployment_event()).status_code == 401
    shop.ok(shop.put(f"{BASE}/webhooks/github/secret", {"secret": "other"}))
    assert send(shop, "deployment", deployment_event()).status_code == 401
    assert deployments(shop) == []


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b"[" * 100_000 + b"]" * 100_000,
        {"deployment": "nope"},
        {"deployment": {"id": 1, "sha": SHA}},
    ],
)
def test_wrong_shape__400(hooked: Api, payload: Any) -> None:
    response = send(hooked, "deployment", payload)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_bad_sha_in_event__400_naming_the_rule(hooked: Api) -> None:
    event = deployment_event()
    event["deployment"]["sha"] = "zzz"

    response = send(hooked, "deployment", event)

    assert response.status_code == 400
    assert response.json()["error"]["details"]["errors"][0]["rule"] == "sha_pattern"


def test_unknown_environment__404(hooked: Api) -> None:
    event = deployment_event()
    event["deployment"]["environment"] = "qa"

    assert send(hooked, "deployment", event).status_code == 404


def test_secret_admin_only__and_deletable(hooked: Api) -> None:
    token = hooked.token("deploy", project="shop")

    assert hooked.get(f"{BASE}/webhooks/github/secret", token=token).status_code == 403
    assert hooked.delete(f"{BASE}/webhooks/github/secret").status_code == 204
    assert send(hooked, "ping", {}).status_code == 401


def test_signature__non_ascii_byte__401_nothing_stored(hooked: Api) -> None:
    body = json.dumps(deployment_event()).encode()
    headers = {
        "X-GitHub-Event": "deployment",
        "X-Hub-Signature-256": b"sha256=\xe9" + b"0" * 63,
        "Content-Type": "application/json",
    }

    response = hooked.client.request("POST", HOOK, content=body, headers=headers)

    assert response.status_code == 401, response.text
    assert deployments(hooked) == []


def test_body__lone_surrogate__400_nothing_stored(hooked: Api) -> None:
    body = json.dumps(deployment_event(version="1.0.\ud800")).encode()

    response = send(hooked, "deployment", body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["rule"] == "lone_surrogate"
    assert deployments(hooked) == []


def send_delivery(api: Api, event: str, payload: Any, delivery: str) -> Any:
    body = json.dumps(payload).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": f"sha256={digest}",
        "Content-Type": "application/json",
    }
    return api.client.request("POST", HOOK, content=body, headers=headers)


def test_delivery__replayed_with_same_id__ignored(hooked: Api) -> None:
    send_delivery(hooked, "deployment", deployment_event(), "d-1")
    started = send_delivery(hooked, "deployment_status", status_event("in_progress"), "d-2")

    replay = send_delivery(hooked, "deployment_status", status_event("in_progress"), "d-2")

    assert started.json()["action"] == "in_progress"
    assert replay.status_code == 200, replay.text
    assert replay.json() == {"event": "deployment_status", "action": "replayed", "delivery": "d-2"}
    audit = hooked.ok(hooked.get("/api/v1/audit?action=deployment.status_changed"))
    assert len(audit["items"]) == 1


def test_delivery__new_id_same_payload__applied(hooked: Api) -> None:
    send_delivery(hooked, "deployment", deployment_event(), "d-1")

    again = send_delivery(hooked, "deployment", deployment_event(), "d-2")

    assert again.json()["action"] == "seen"


@pytest.mark.parametrize("delivery", ["d-\x00", "d-\u00e9"])
def test_delivery__id_not_printable_ascii__400_nothing_stored(hooked: Api, delivery: str) -> None:
    body = json.dumps(deployment_event()).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = [
        (b"X-GitHub-Event", b"deployment"),
        (b"X-GitHub-Delivery", delivery.encode("latin-1")),
        (b"X-Hub-Signature-256", f"sha256={digest}".encode()),
        (b"Content-Type", b"application/json"),
    ]

    response = hooked.client.request("POST", HOOK, content=body, headers=headers)

    assert response.status_code == 400, response.text
    assert deployments(hooked) == []


def test_sender_login__nul_character__recorded_as_github(hooked: Api) -> None:
    event = {**deployment_event(), "sender": {"login": "octo\x00cat"}}

    response = send(hooked, "deployment", event)

    assert response.status_code == 200, response.text
    [view] = deployments(hooked)
    assert view["actor"]["name"] == "github"
