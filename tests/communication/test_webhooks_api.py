"""``/api/v1/projects/{p}/webhooks`` through the real app: the secret shown once, bad
input refused with the field and the rule named (nothing changed), the deliveries'
log, the test event and redelivery (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.services import Actor
from premiere.services.communication.delivery import Deliverer
from premiere.store import Store

from .conftest import LOOPBACK, Api, Clock, Receiver

HOOKS = "/api/v1/projects/demo/webhooks"


def create(api: Api, url: str, **more: Any) -> dict[str, Any]:
    body = {"url": url, "events": ["release.started", "deployment.recorded"], **more}
    return dict(api.ok(api.post(HOOKS, body), 201))


def rules(answer: Any) -> list[tuple[str, str]]:
    errors = answer.json()["error"]["details"]["errors"]
    return [(e["field"], e["rule"]) for e in errors]


def test_create__secret_shown_once__never_read_back(api: Api, project: str) -> None:
    created = create(api, "https://hooks.example.com/premiere", description="ops channel")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["deployment.recorded", "release.started"]
    read = api.ok(api.get(f"{HOOKS}/{created['id']}"))
    assert "secret" not in read
    assert read["description"] == "ops channel"
    assert [w["id"] for w in api.ok(api.get(HOOKS))] == [created["id"]]
    rotated = api.ok(api.post(f"{HOOKS}/{created['id']}/rotate-secret"))
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://hooks.example.com/x", "url_scheme"),
        ("https://user:pw@hooks.example.com/x", "url_credentials"),
        ("https://hooks.example.com/x#part", "url_fragment"),
        ("hooks.example.com/x", "url_scheme"),
        ("https://hooks.example.com:99999/x", "url"),
        ("https:///nohost", "url_scheme"),
    ],
)
def test_create__bad_url__422_names_url_and_rule(
    api: Api, project: str, url: str, rule: str
) -> None:
    answer = api.post(HOOKS, {"url": url, "events": ["release.started"]})
    assert answer.status_code == 422, answer.text
    assert rules(answer) == [("url", rule)]
    assert api.ok(api.get(HOOKS)) == []


def test_create__unknown_event_type__422(api: Api, project: str) -> None:
    answer = api.post(HOOKS, {"url": "https://a.example/x", "events": ["release.started", "x"]})
    assert answer.status_code == 422
    assert rules(answer) == [("events[1]", "enum")]
    empty = api.post(HOOKS, {"url": "https://a.example/x", "events": []})
    assert rules(empty) == [("events", "non_empty")]


def test_create__bad_format_or_missing_url__4xx(api: Api, project: str) -> None:
    answer = api.post(HOOKS, {"url": "https://a.example/x", "events": ["ping"]})
    assert answer.status_code == 422
    wrong = api.post(HOOKS, {"url": "https://a.example/x", "events": ["release.started"],
                             "format": "teams"})  # fmt: skip
    assert wrong.status_code == 422
    assert "format" in wrong.text
    missing = api.post(HOOKS, {"events": ["release.started"]})
    assert missing.status_code == 422
    assert "url" in missing.text
    assert api.ok(api.get(HOOKS)) == []


def test_update__fields_sent__others_kept(api: Api, project: str) -> None:
    hook = create(api, "https://a.example/x")
    changed = api.ok(api.patch(f"{HOOKS}/{hook['id']}", {"enabled": False, "format": "slack"}))
    assert (changed["enabled"], changed["format"], changed["url"]) == (
        False, "slack", "https://a.example/x"
    )  # fmt: skip
    assert changed["version"] == 2
    stale = api.patch(f"{HOOKS}/{hook['id']}", {"description": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    bad = api.patch(f"{HOOKS}/{hook['id']}", {"url": "https://u:p@a.example/x"})
    assert rules(bad) == [("url", "url_credentials")]


def test_delete__gone__404(api: Api, project: str) -> None:
    hook = create(api, "https://a.example/x")
    api.ok(api.delete(f"{HOOKS}/{hook['id']}"), 204)
    assert api.get(f"{HOOKS}/{hook['id']}").status_code == 404
    assert api.get(f"{HOOKS}/{hook['id']}/deliveries").status_code == 404
    assert api.get("/api/v1/projects/nope/webhooks").status_code == 404


def test_test_event__delivered__log_paged_and_redelivered(
    api: Api, store: Store, actor: Actor, project: str, receiver: Receiver, clock: Clock
) -> None:
    hook = create(api, receiver.url)
    for _ in range(3):
        queued = api.ok(api.post(f"{HOOKS}/{hook['id']}/test"), 202)
        assert (queued["event_type"], queued["status"]) == ("ping", "pending")
    redeliver = f"/api/v1/projects/demo/deliveries/{queued['id']}/redeliver"
    assert api.post(redeliver).status_code == 409  # still pending
    assert Deliverer(store, addresses=LOOPBACK, clock=clock).deliver_due() == 3

    page = api.ok(api.get(f"{HOOKS}/{hook['id']}/deliveries", params={"limit": 2}))
    assert [d["status"] for d in page["items"]] == ["delivered", "delivered"]
    assert page["items"][0]["log"][0]["status_code"] == 200
    rest = api.ok(api.get(f"{HOOKS}/{hook['id']}/deliveries",
                          params={"limit": 2, "cursor": page["next_cursor"]}))  # fmt: skip
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    bad = api.get(f"{HOOKS}/{hook['id']}/deliveries", params={"cursor": "zz"})
    assert rules(bad) == [("cursor", "invalid_cursor")]

    again = api.ok(api.post(redeliver), 202)
    assert again["status"] == "pending"
    assert Deliverer(store, addresses=LOOPBACK, clock=clock).deliver_due() == 1
    assert len(receiver.requests) == 4
    assert api.post("/api/v1/projects/demo/deliveries/999999/redeliver").status_code == 404


def test_deploy_token__webhooks__neither_changed_nor_read(api: Api, project: str) -> None:
    """A pipeline's token reads the ledger only; webhooks are read by people (viewers)."""
    deploy_token = api.token("deploy", "demo")
    answer = api.post(HOOKS, {"url": "https://a.example/x", "events": ["release.started"]},
                      token=deploy_token)  # fmt: skip
    assert answer.status_code == 403
    assert api.get(HOOKS, token=deploy_token).status_code == 403
