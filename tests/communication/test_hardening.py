"""Where webhooks may be sent (the verification checks' address policy, refusing
private and loopback addresses too unless allowed), pending deliveries of a disabled
or deleted webhook not sent, and the scheduler pruning finished outbox deliveries
(SQLite and PostgreSQL)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from premiere.errors import InvalidStateError, ValidationError
from premiere.scheduler import Scheduler
from premiere.scheduler.leadership import AlwaysLeader
from premiere.services import Actor
from premiere.services.communication.announce import new_delivery
from premiere.services.communication.delivery import Deliverer
from premiere.services.communication.outbox import list_deliveries, redeliver, send_test_event
from premiere.services.communication.webhooks import (
    create_webhook,
    delete_webhook,
    update_webhook,
    webhook_addresses,
)
from premiere.services.deployments.network import AddressPolicy
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.outbox import OutboxAttempt, OutboxDelivery, Webhook

from .conftest import LOOPBACK, Clock, Receiver, deploy, subscribe

EVENTS = ["deployment.recorded"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://[::1]/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://metadata.google.internal/",
        "http://0.0.0.0/",
    ],
)
def test_create__private_loopback_or_metadata_url__refused(
    store: Store, actor: Actor, shop: str, url: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        create_webhook(store, actor, shop, {"url": url, "events": EVENTS})
    [error] = refused.value.details["errors"]
    assert (error["field"], error["rule"]) == ("url", "address_refused")
    assert "PREMIERE_WEBHOOK_ALLOWED_ADDRESSES" in error["message"]


def test_create__address_allowed_by_the_setting__accepted(
    store: Store, actor: Actor, shop: str
) -> None:
    allowed = webhook_addresses(Settings(webhook_allowed_addresses=("10.0.0.0/8", "127.0.0.1")))
    for url in ("https://10.1.2.3/hooks", "http://127.0.0.1:9/hooks", "https://93.184.216.34/"):
        assert create_webhook(store, actor, shop, {"url": url, "events": EVENTS}, allowed)["id"]
    with pytest.raises(ValidationError):
        create_webhook(
            store, actor, shop, {"url": "http://192.168.1.1/", "events": EVENTS}, allowed
        )


def test_policies__checks_keep_loopback__webhooks_refuse_it() -> None:
    loopback = [ipaddress.ip_address("127.0.0.1")]
    assert AddressPolicy().refusal("localhost", loopback) is None
    refusal = webhook_addresses(Settings()).refusal("localhost", loopback)
    assert refusal == (
        "localhost resolves to 127.0.0.1, a private, loopback, link-local or cloud metadata address"
    )
    assert (
        webhook_addresses(Settings(webhook_allowed_addresses=("localhost",))).refusal(
            "localhost", loopback
        )
        is None
    )


def test_deliver__name_resolving_to_loopback__refused_not_sent(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    by_name = receiver.url.replace("127.0.0.1", "localhost")  # judged when it is called
    hook = create_webhook(store, actor, shop, {"url": by_name, "events": EVENTS})
    deploy(store, actor, shop)

    assert Deliverer(store, clock=clock).deliver_due() == 1

    assert receiver.requests == []
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    [attempt] = delivery["log"]
    assert attempt["status_code"] is None
    assert "AddressRefusedError" in attempt["error"] and "loopback" in attempt["error"]


def test_disable__pending_cancelled__not_sent_but_the_test_event(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, *EVENTS)
    deploy(store, actor, shop)
    update_webhook(store, actor, shop, hook["id"], {"enabled": False}, addresses=LOOPBACK)
    [cancelled] = list_deliveries(store, shop, hook["id"])["items"]
    assert cancelled["status"] == "cancelled" and cancelled["next_attempt_at"] is None
    with pytest.raises(InvalidStateError):
        redeliver(store, shop, cancelled["id"])
    ping = send_test_event(store, actor, shop, hook["id"])

    assert Deliverer(store, addresses=LOOPBACK, clock=clock).deliver_due() == 1

    assert [r.headers["webhook-id"] for r in receiver.requests] == [ping["message_id"]]
    statuses = {d["id"]: d["status"] for d in list_deliveries(store, shop, hook["id"])["items"]}
    assert statuses == {cancelled["id"]: "cancelled", ping["id"]: "delivered"}


def test_disabled_after_enqueue__the_worker_cancels_instead_of_sending(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, *EVENTS)
    deploy(store, actor, shop)
    with store.write() as session:  # disabled by a transaction the worker did not see
        session.execute(update(Webhook).where(Webhook.id == hook["id"]).values(enabled=False))

    Deliverer(store, addresses=LOOPBACK, clock=clock).deliver_due()

    assert receiver.requests == []
    [delivery] = list_deliveries(store, shop, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"]) == ("cancelled", 0)


def test_delete__pending_deliveries_gone__not_sent(
    store: Store, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url, *EVENTS)
    deploy(store, actor, shop)
    delete_webhook(store, actor, shop, hook["id"])

    assert Deliverer(store, addresses=LOOPBACK, clock=clock).deliver_due() == 0
    assert receiver.requests == []
    with store.read() as session:
        assert list(session.scalars(select(OutboxDelivery.id))) == []


def test_scheduler__finished_outbox_deliveries_past_retention__pruned(
    store: Store, actor: Actor, shop: str, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, "https://hooks.example.com/x", *EVENTS)
    now = clock()
    ages = {"delivered": 31, "failed": 40, "cancelled": 31, "pending": 60}
    with store.write() as session:
        for status, days in [*ages.items(), ("delivered", 29)]:
            row = new_delivery(hook["id"], "ping", {}, now - timedelta(days=days))
            row.status = status
            session.add(row)
            session.flush()
            session.add(OutboxAttempt(delivery_id=row.id, at=row.created_at, status_code=200))
    scheduler = Scheduler(
        store, clock=clock, leadership=AlwaysLeader(), outbox_retention=timedelta(days=30)
    )

    report = scheduler.run_once()

    assert report is not None and report.pruned_outbox == 3
    with store.read() as session:
        kept = sorted(session.scalars(select(OutboxDelivery.status)))
        attempts = list(session.scalars(select(OutboxAttempt.id)))
    assert kept == ["delivered", "pending"]  # the recent one, and the one still to send
    assert len(attempts) == 2


def test_settings__outbox_retention_and_allowed_addresses__read() -> None:
    env = {
        "PREMIERE_OUTBOX_RETENTION_DAYS": "7",
        "PREMIERE_WEBHOOK_ALLOWED_ADDRESSES": "127.0.0.1, 10.0.0.0/8",
    }
    settings = Settings.from_env(env)
    assert settings.outbox_retention_days == 7
    assert settings.webhook_allowed_addresses == ("127.0.0.1", "10.0.0.0/8")
    assert Settings.from_env({}).outbox_retention_days == 30
    with pytest.raises(ValidationError):
        Settings.from_env({"PREMIERE_OUTBOX_RETENTION_DAYS": "0"})
