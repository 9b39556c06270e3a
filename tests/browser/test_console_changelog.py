"""The changelog in a browser: turned on from its settings page (axe), then the public
page shows a published note without signing in (axe), and both read at 390 px
without scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from premiere.services import SYSTEM
from premiere.services.communication import entries as notes
from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
SETTINGS = "/projects/demo/settings/changelog"
RELEASE = "recommendations-v2"


def _sign_in(page: Page, token: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Acme Shop")).to_be_visible()


def _fits_390(page: Page, path: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390 px"


def test_changelog__turned_on_then_public_page__accessible(
    page: Page,
    live_server: LiveServer,
    axe: Callable[..., None],
    screenshot: Callable[..., Path],
) -> None:
    body = (
        "They now learn from **what you viewed**.\n\n- faster\n- [docs](https://example.com/docs)"
    )
    data = {"title": "Smarter recommendations", "body": body, "category": "improved"}
    note = notes.create_note(live_server.store, SYSTEM, "demo", RELEASE, data)
    notes.publish_note(live_server.store, SYSTEM, "demo", RELEASE, note["id"])
    _sign_in(page, live_server.admin_token)
    page.goto("/projects/demo/settings")
    page.get_by_role("link", name="Changelog and feed settings").click()
    expect(page.get_by_role("heading", level=1, name="Changelog and feeds")).to_be_visible()

    page.get_by_label("Publish the changelog and its feeds").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("/changelog/demo/feed.atom")).to_be_visible()
    axe(page)
    _fits_390(page, SETTINGS)
    page.context.clear_cookies()  # the public page needs no session
    page.goto("/changelog/demo")
    expect(page.get_by_role("heading", level=1, name="Acme Shop changelog")).to_be_visible()
    entry = page.get_by_role("article", name="Smarter recommendations")
    expect(entry).to_contain_text("what you viewed")
    expect(entry.get_by_role("link", name="docs")).to_have_attribute(
        "href", "https://example.com/docs"
    )
    axe(page)
    screenshot(page, "changelog-page")
    _fits_390(page, "/changelog/demo")
