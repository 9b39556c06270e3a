"""Deliveries from the outbox to a real receiver on loopback: signed per Standard
Webhooks, retried with backoff on the worker's clock, written with the change or
not at all (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from standardwebhooks import Webhook as Verifier

from premiere.errors import InvalidStateError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.delivery import BACKOFF_CAP, Deliverer, backoff
from premiere.services.communication.outbox import list_deliveries, redeliver, send_test_event
from premiere.services.communication.webhooks import rotate_webhook_secret, update_webhook
from premiere.store import Store

from .conftest import Clock, Receiver, deploy, subscribe


class Highest(random.Random):
    """Full jitter's highest draw, so a test knows the latest retry time."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_deployment_recorded__subscribed__one_signed_delivery(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, "deployment.recorded")
    deployment = deploy(store, actor, shop)

    assert Deliverer(store, clock=clock).deliver_due() == 1

    [request] = receiver.requests
    payload = Verifier(hook["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "deployment.recorded"
    assert payload["data"]["resource_key"] == str(deployment["id"])
    assert payload["data"]["project"] == shop
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert delivery["status"] == "delivered"
    assert delivery["message_id"] == request.headers["webhook-id"]
    assert [a["status_code"] for a in delivery["log"]] == [200]
    assert delivery["log"][0]["response_excerpt"] == "ok"


def test_event__unsubscribed_or_disabled__no_delivery(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    other = subscribe(store, actor, shop, receiver.url, "release.started")
    off = subscribe(store, actor, shop, receiver.url, "deployment.recorded", enabled=False)
    deploy(store, actor, shop)

    assert Deliverer(store, clock=clock).deliver_due() == 0
    assert list_deliveries(store, shop, other["id"])["items"] == []
    assert list_deliveries(store, shop, off["id"])["items"] == []


def test_change_rolled_back__no_delivery(
    store: Store, actor: Actor, shop: str, receiver: Receiver
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, "release.started")
    with pytest.raises(RuntimeError), store.write() as session:
        record_audit_event(
            session, actor, "release.started", project=shop, resource_type="release",
            resource_key="r1",
        )  # fmt: skip
        raise RuntimeError("the change fails after its audit event")
    assert list_deliveries(store, shop, hook["id"])["items"] == []


def test_receiver_500_then_200__delivered_once_after_backoff(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, "deployment.recorded")
    receiver.statuses = [500]
    deploy(store, actor, shop)
    deliverer = Deliverer(store, clock=clock, rng=Highest())

    assert deliverer.deliver_due() == 1
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert delivery["log"][0]["status_code"] == 500
    assert delivery["log"][0]["error"] == "HTTP 500"
    assert deliverer.deliver_due() == 0  # not due before its backoff

    clock.advance(seconds=30)
    assert deliverer.deliver_due() == 1
    assert deliverer.deliver_due() == 0

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Verifier(hook["secret"]).verify(second.body, second.headers)["type"] == (
        "deployment.recorded"
    )
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    assert [a["status_code"] for a in delivery["log"]] == [500, 200]


def test_receiver_always_failing__failed_after_ten_attempts(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url)
    receiver.statuses = [503] * 20
    deploy(store, actor, shop)
    deliverer = Deliverer(store, clock=clock, rng=Highest())

    for _ in range(12):
        deliverer.deliver_due()
        clock.advance(hours=12)

    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 10)
    assert len(receiver.requests) == 10


def test_backoff__full_jitter__grows_to_the_cap() -> None:
    highest = [backoff(n, Highest()) for n in range(1, 10)]
    assert highest[:3] == [timedelta(seconds=30), timedelta(seconds=90), timedelta(seconds=270)]
    assert highest[-1] == BACKOFF_CAP
    draws = [backoff(4, random.Random(seed)) for seed in range(50)]
    assert all(timedelta(0) <= d <= timedelta(seconds=810) for d in draws)
    assert len(set(draws)) > 1


def test_redeliver__delivered__sent_again_with_the_same_id(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url)
    deploy(store, actor, shop)
    deliverer = Deliverer(store, clock=clock)
    deliverer.deliver_due()
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]

    again = redeliver(store, shop, delivery["id"])
    assert again["status"] == "pending"
    with pytest.raises(InvalidStateError):
        redeliver(store, shop, delivery["id"])
    assert deliverer.deliver_due() == 1

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)


def test_test_event__ping_signed(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, "release.released")
    send_test_event(store, actor, shop, hook["id"])
    Deliverer(store, clock=clock).deliver_due()
    [request] = receiver.requests
    assert Verifier(hook["secret"]).verify(request.body, request.headers)["type"] == "ping"


def test_rotated_secret__both_secrets_verify_for_a_day(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url)
    rotated = rotate_webhook_secret(store, actor, shop, hook["id"])
    assert rotated["secret"] != hook["secret"]
    deploy(store, actor, shop, "1.0.0")
    Deliverer(store, clock=clock).deliver_due()
    clock.advance(days=1, seconds=1)
    deploy(store, actor, shop, "1.0.1")
    Deliverer(store, clock=clock).deliver_due()

    early, late = receiver.requests
    for secret in (hook["secret"], rotated["secret"]):
        assert Verifier(secret).verify(early.body, early.headers)["type"] == "deployment.recorded"
    assert Verifier(rotated["secret"]).verify(late.body, late.headers)
    assert len(late.headers["webhook-signature"].split(" ")) == 1


def test_slack_format__text_and_blocks(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url)
    update_webhook(store, actor, shop, hook["id"], {"format": "slack"})
    deployment = deploy(store, actor, shop)
    Deliverer(store, clock=clock).deliver_due()
    body = json.loads(receiver.requests[0].body)
    assert body["text"] == f"deployment.recorded: {deployment['id']} (staging)"
    assert body["blocks"][0]["text"]["type"] == "mrkdwn"
