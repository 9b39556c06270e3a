"""A journey through the flags pages: find a flag, create one, turn it on, check it
with evaluate-as (a targeting key and attributes); a flag locked by a release; and the
pages pass axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from premiere.store.releases import Release
from tests.api.live import LiveServer

pytestmark = pytest.mark.browser


def test_flags__create_turn_on_and_evaluate__as_a_person_would(
    page: Page,
    live_server: LiveServer,
    screenshot: Callable[..., Path],
    axe: Callable[..., None],
) -> None:
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(live_server.admin_token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flags").click()
    expect(page.get_by_role("heading", level=1, name="Flags")).to_be_visible()
    page.get_by_label("Search").fill("marketing")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Holiday sale")).to_be_visible()
    axe(page)
    screenshot(page, "console-flags")

    page.get_by_role("link", name="Create a flag").click()
    page.get_by_label("Key").fill("gift-wrap")
    page.get_by_label("Name").fill("Gift wrap")
    page.get_by_role("button", name="Create flag").click()
    expect(page.get_by_role("heading", level=1, name="Gift wrap")).to_be_visible()

    page.get_by_role("link", name="production").click()
    page.get_by_role("button", name="Turn on in production").click()
    expect(page.get_by_role("button", name="Turn off in production")).to_be_visible()
    page.get_by_label("Targeting key").fill("user-7")
    page.get_by_label("Attribute 1 name").fill("plan")
    page.get_by_label("Attribute 1 value").fill("pro")
    page.get_by_role("button", name="Evaluate in production").click()
    expect(page.locator(".evaluation")).to_contain_text("true")
    expect(page.get_by_label("Attribute 1 value")).to_have_value("pro")
    page.get_by_text("Advanced: the context as JSON").click()
    page.get_by_label("Evaluation context (JSON)").fill("[1")
    page.get_by_role("button", name="Evaluate in production").click()
    expect(page.locator("#context-error")).to_contain_text("is not JSON")
    axe(page)
    screenshot(page, "console-flag")


def test_flag_locked_by_release__notice_links_the_release_no_edit_form(
    page: Page,
    live_server: LiveServer,
    screenshot: Callable[..., Path],
    axe: Callable[..., None],
) -> None:
    # Given the demo's release of recommendations-model rolling out in production
    with live_server.store.write() as session:
        row = session.scalars(select(Release).where(Release.key == "recommendations-v2")).one()
        row.state, row.stage = "rolling_out", 0
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(live_server.admin_token)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/projects/demo/flags/recommendations-model?environment=production")
    notice = page.locator(".flag-locked")
    expect(notice).to_contain_text("Locked by release")
    expect(notice).to_contain_text("which is rolling out in production")
    expect(page.get_by_role("button", name="Turn off in production")).to_have_count(0)
    expect(page.get_by_role("button", name="Turn on in production")).to_have_count(0)
    expect(page.get_by_role("button", name="Save fallthrough")).to_have_count(0)
    axe(page)
    screenshot(page, "console-flag-locked")
    notice.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/projects/demo/releases/recommendations-v2")
    page.goto("/projects/demo/flags/recommendations-model?environment=staging")
    expect(page.locator(".flag-locked")).to_have_count(0)
    expect(page.get_by_role("button", name="Save fallthrough")).to_be_visible()
