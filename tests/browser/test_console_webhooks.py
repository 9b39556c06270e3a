"""Webhooks in a browser: from Settings, create one for a loopback receiver (allowed by
``PREMIERE_WEBHOOK_ALLOWED_ADDRESSES``), see its secret once, send a test event, see it
delivered in the log; the pages pass axe and read at 390 px without scrolling sideways."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks import Webhook as Verifier

from premiere.services.communication.delivery import Deliverer
from premiere.store import Store
from tests.api.live import LiveServer, serve
from tests.communication.conftest import LOOPBACK, LOOPBACK_SETTINGS, Receiver, receiver

pytestmark = pytest.mark.browser
__all__ = ["receiver"]


@pytest.fixture
def live_server(_demo_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The demo's server, whose webhooks may reach loopback."""
    path = tmp_path / "premiere.db"
    shutil.copyfile(_demo_template, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        with serve(store, console=True, settings=LOOPBACK_SETTINGS) as server:
            yield server
    finally:
        store.close()


def _fits_390(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_webhook__create_secret_once_test_event_delivered(
    page: Page,
    live_server: LiveServer,
    receiver: Receiver,
    axe: Callable[..., None],
    screenshot: Callable[..., Path],
) -> None:
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(live_server.admin_token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Webhooks", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Webhooks")).to_be_visible()
    expect(page.get_by_text("No webhook yet")).to_be_visible()
    axe(page)
    _fits_390(page)

    page.get_by_role("link", name="Add a webhook").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description (optional)").fill("release channel")
    page.get_by_label("release.started").check()
    page.get_by_label("release.rolled_back").check()
    axe(page)
    page.get_by_role("button", name="Create webhook").click()

    secret_field = page.get_by_label("Signing secret")
    secret = secret_field.input_value()
    assert secret.startswith("whsec_")
    axe(page)
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event queued")).to_be_visible()
    expect(page.get_by_label("Signing secret")).to_have_count(0)  # shown once
    assert secret not in page.content()

    assert Deliverer(live_server.store, addresses=LOOPBACK).deliver_due() == 1  # the worker
    page.reload()
    log = page.get_by_role("table", name="Deliveries, newest first")
    expect(log).to_contain_text("ping")
    expect(log).to_contain_text("delivered")
    expect(log.get_by_role("button", name="Redeliver ping")).to_be_visible()
    [request] = receiver.requests
    assert Verifier(secret).verify(request.body, request.headers)["type"] == "ping"
    axe(page)
    screenshot(page, "console-webhook", docs_image="console-webhook")
    _fits_390(page)
