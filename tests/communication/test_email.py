"""Email to subscribers through the outbox, to a real SMTP server on loopback
(aiosmtpd): the event in the subject, the one-click unsubscribe link that works
without a token, bad input refused."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from premiere.services import Actor
from premiere.services.communication.delivery import Deliverer
from premiere.services.communication.mail import Mailer
from premiere.services.communication.subscribers import subscribe
from premiere.store import Store

from .conftest import Api, Clock, deploy

PUBLIC = "https://premiere.example.com"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Mailer]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, Mailer("127.0.0.1", port, "premiere@example.com", PUBLIC, starttls=False)
    controller.stop()


def test_subscriber__event_of_its_category__one_email_with_unsubscribe_link(
    store: Store, actor: Actor, project: str, api: Api, clock: Clock, smtp: tuple[Inbox, Mailer]
) -> None:
    inbox, mailer = smtp
    api.ok(api.post(f"/api/v1/projects/{project}/services", {"key": "web"}), 201)
    subscribe(store, actor, project, {"email": "pm@example.com", "categories": ["deployment"]})
    subscribe(store, actor, project, {"email": "gtm@example.com", "categories": ["release"]})
    deployment = deploy(store, actor, project)

    assert Deliverer(store, clock=clock, mailer=mailer).deliver_due() == 1
    [message] = inbox.messages
    assert message["To"] == "pm@example.com"
    assert message["Subject"] == f"[demo] deployment.recorded: {deployment['id']} (staging)"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PUBLIC}/api/v1/unsubscribe/")
    assert link in message.get_payload()

    # one click, no token: the link's own
    path = link.removeprefix(PUBLIC)
    answer = api.client.request("POST", path, content=b"List-Unsubscribe=One-Click")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"unsubscribed": "pm@example.com"}
    assert api.client.request("GET", path).status_code == 404
    deploy(store, actor, project, "1.0.1")
    assert Deliverer(store, clock=clock, mailer=mailer).deliver_due() == 0
    assert [s["email"] for s in api.ok(api.get(f"/api/v1/projects/{project}/subscribers"))] == [
        "gtm@example.com"
    ]


def test_no_smtp_configured__attempt_logged__kept_for_a_retry(
    store: Store, actor: Actor, project: str, clock: Clock
) -> None:
    from premiere.services.catalog import create_service

    create_service(store, actor, project, {"key": "web"})
    subscribe(store, actor, project, {"email": "pm@example.com", "categories": ["deployment"]})
    deploy(store, actor, project)
    assert Deliverer(store, clock=clock).deliver_due() == 1
    assert Deliverer(store, clock=clock).deliver_due() == 0  # waits for its retry


def test_subscribe__bad_input__422_names_the_field(api: Api, project: str) -> None:
    url = f"/api/v1/projects/{project}/subscribers"
    bad = api.post(url, {"email": "not an address", "categories": ["release"]})
    assert bad.status_code == 422
    assert [(e["field"], e["rule"]) for e in bad.json()["error"]["details"]["errors"]] == [
        ("email", "email")
    ]
    unknown = api.post(url, {"email": "a@example.com", "categories": ["gossip"]})
    assert [(e["field"], e["rule"]) for e in unknown.json()["error"]["details"]["errors"]] == [
        ("categories[0]", "enum")
    ]
    assert api.ok(api.get(url)) == []
    assert api.delete(f"{url}/12345").status_code == 404
