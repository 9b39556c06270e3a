"""Release communication on the demo, from start to rollback, through the HTTP API as
a release manager and an end user's browser would use it: the demo release's notes
publish at its first public stage, show in the changelog page, the Atom and JSON feeds
and the ICS calendar, reach a loopback webhook receiver with a valid signature, show in
what's new only to users who have the feature, collect a reaction, and leave what's new
after a rollback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import feedparser
import icalendar
import pytest
from standardwebhooks.webhooks import Webhook

from premiere import engine
from premiere.api import create_app
from premiere.console import install_console
from premiere.services.communication.delivery import Deliverer
from tests.api.support import Api, running
from tests.conftest import DemoStore

from .conftest import LOOPBACK, LOOPBACK_SETTINGS, Receiver

BASE = "/api/v1/projects/demo"
RELEASE = f"{BASE}/releases/recommendations-v2"
FEATURE = "recommendations-model"
USERS = [f"shopper-{i}" for i in range(200)]


@pytest.fixture
def demo_api(demo_store: DemoStore) -> Iterator[Api]:
    app = create_app(LOOPBACK_SETTINGS, demo_store.store)
    install_console(app, LOOPBACK_SETTINGS)  # the public changelog is a page
    with running(app) as client:
        yield Api(client, demo_store.store, demo_store.admin_token)


def _act(api: Api, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    version = api.ok(api.get(RELEASE))["version"]
    return dict(api.ok(api.post(f"{RELEASE}/{action}", {**(body or {}), "version": version})))


def _ready_and_started(api: Api) -> None:
    """The walkthrough's steps: the code verified in production, the required checklist
    item ticked, one approval, then start and advance to the first public stage."""
    body = {"service": "api", "environment": "production", "version": "1.5.0"}
    view = api.ok(api.post(f"{BASE}/deployments", {**body, "commit_sha": "a81e0b7"}), 201)
    api.ok(api.post(f"{BASE}/deployments/{view['id']}/finish?wait=10", {"outcome": "succeeded"}))
    api.ok(api.post(f"{RELEASE}/checklist/support-briefed/tick", {}))
    approver = api.token("admin")
    api.ok(api.post(f"{RELEASE}/approvals", {"comment": "ok"}, token=approver), 201)
    assert _act(api, "start")["stage"] == 0  # staff: not yet public
    assert _act(api, "advance")["stage"] == 1  # 5 % of everyone: the first public stage


def _public_note(api: Api) -> dict[str, Any]:
    notes = api.ok(api.get(f"{RELEASE}/notes"))
    return next(n for n in notes if n["audience"] is None and n["category"] == "new")


def _whats_new(api: Api, token: str, key: str) -> list[str]:
    answer = api.ok(api.post("/api/v1/whats-new", {"context": {"key": key}}, token=token))
    return [note["title"] for note in answer["notes"]]


def test_demo__release_walkthrough__notes_announced_everywhere_then_withdrawn(
    demo_api: Api, receiver: Receiver
) -> None:
    api = demo_api
    events = ["note.published", "release.started", "release.rolled_back"]
    webhook = api.ok(api.post(f"{BASE}/webhooks", {"url": receiver.url, "events": events}), 201)
    assert _public_note(api)["state"] in ("draft", "scheduled")

    _ready_and_started(api)

    note = _public_note(api)
    assert note["state"] == "published"
    # the changelog page and its feeds
    page = api.client.get("/changelog/demo")
    assert page.status_code == 200 and note["title"] in page.text
    atom = feedparser.parse(api.client.get("/changelog/demo/feed.atom").content)
    assert note["title"] in [entry.title for entry in atom.entries]
    feed = api.client.get("/changelog/demo/feed.json").json()
    assert note["title"] in [item["title"] for item in feed["items"]]
    # the calendar, read with a feed token in its address
    feed_token = api.token("feed", "demo")
    ics = api.client.get(f"{BASE}/calendar.ics", params={"token": feed_token})
    calendar = icalendar.Calendar.from_ical(ics.content)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert any("Recommendations v2" in summary for summary in summaries)
    # the webhook: signed, one delivery per event
    assert Deliverer(api.store, addresses=LOOPBACK).deliver_due() >= 2
    verifier = Webhook(webhook["secret"])
    payloads = [verifier.verify(r.body, r.headers) for r in receiver.requests]
    types = [p["type"] if isinstance(p, dict) else json.loads(p)["type"] for p in payloads]
    published = [n for n in api.ok(api.get(f"{RELEASE}/notes")) if n["state"] == "published"]
    assert sorted(types) == ["note.published"] * len(published) + ["release.started"]
    # what's new: only users who have the feature
    client_token = api.token("sdk-client", "demo", "production")
    server_token = api.token("sdk-server", "demo", "production")
    compiled = engine.compile_document(api.ok(api.get("/api/v1/sdk/flags", token=server_token)))
    off_value = engine.evaluate(compiled, FEATURE, {"key": "nobody-at-all"}).value
    inside = [u for u in USERS if engine.evaluate(compiled, FEATURE, {"key": u}).value != off_value]
    outside = [u for u in USERS if u not in inside]
    assert inside and outside  # 5 % of 200 shoppers
    assert note["title"] in _whats_new(api, client_token, inside[0])
    assert note["title"] not in _whats_new(api, client_token, outside[0])
    # a reaction, counted for the release
    reaction = {"context": {"key": inside[0]}, "reaction": "like"}
    api.ok(api.post(f"/api/v1/whats-new/{note['id']}/feedback", reaction, token=client_token), 201)
    summary = api.ok(api.get(f"{RELEASE}/feedback"))
    assert summary["total"]["reactions"]["like"] == 1

    _act(api, "rollback")

    assert _public_note(api)["state"] == "rolled_back"
    assert note["title"] not in _whats_new(api, client_token, inside[0])
    assert note["title"] not in api.client.get("/changelog/demo").text
