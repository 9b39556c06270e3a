"""The go-to-market checklist in a browser: a release's page with its checklist passes
axe, an item is ticked with its button (who and when shown, readiness cleared), the
template's settings page passes axe, and both read at 390 px without scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from premiere.services import SYSTEM
from premiere.services.releases import checklist
from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
RELEASE = "/projects/demo/releases/recommendations-v2"
TEMPLATE = "/projects/demo/settings/checklist"
ITEMS = [
    {"key": "docs", "title": "Docs published", "owner": "docs@example.com", "required": True},
    {"key": "training", "title": "Training scheduled", "owner": "Tia",
     "due_at": "2020-01-01T09:00:00Z"},
]  # fmt: skip


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


def test_release_checklist__tick_by_button__done_and_accessible(
    page: Page, live_server: LiveServer, axe: Callable[..., None]
) -> None:
    data = {"items": ITEMS}
    checklist.set_release_checklist(live_server.store, SYSTEM, "demo", "recommendations-v2", data)
    _sign_in(page, live_server.admin_token)
    page.goto(RELEASE)
    expect(page.get_by_role("heading", level=2, name="Go-to-market checklist")).to_be_visible()
    expect(page.get_by_text("Checklist: Docs published (owner docs@example.com)")).to_be_visible()
    expect(page.locator("#item-training .badge--overdue")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Go to the item").click()
    page.get_by_role("button", name="Mark Docs published done").click()

    expect(page.get_by_role("button", name="Mark Docs published not done")).to_be_visible()
    expect(page.locator("#item-docs")).to_contain_text("Done by")
    expect(page.get_by_text("Checklist: Docs published")).to_have_count(0)
    view = checklist.get_release_checklist(live_server.store, "demo", "recommendations-v2")
    assert view["missing"] == []
    _fits_390(page, RELEASE)


def test_checklist_template_page__axe_and_390(
    page: Page, live_server: LiveServer, axe: Callable[..., None]
) -> None:
    _sign_in(page, live_server.admin_token)
    page.goto("/projects/demo/settings")
    page.get_by_role("link", name="Edit the checklist template").click()
    expect(
        page.get_by_role("heading", level=1, name="Go-to-market checklist template")
    ).to_be_visible()
    # the demo's template has three items; the first empty row is a new one
    page.get_by_role("group", name="New item").first.get_by_label("Title").fill("Docs reviewed")
    page.get_by_role("button", name="Save the template").click()
    expect(page.get_by_role("link", name="owner is required")).to_be_visible()
    axe(page)
    _fits_390(page, TEMPLATE)
