"""Journeys of the rule editor and segments: invalid input shows the error at its field
and saves nothing; a valid rule is saved; choosing "is in segment" shows the segment
choice; the rule editor and a segment's page pass axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
RULES = "/projects/demo/flags/new-checkout/environments/production/rules"


def _open(page: Page, token: str, path: str) -> None:
    page.goto(path)
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_rule_editor__bad_regex_then_fixed__error_at_the_field_then_saved(
    page: Page, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    _open(page, live_server.admin_token, RULES)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules of New checkout in production")
    rule = page.get_by_role("group", name="Rule 2", exact=True)
    rule.get_by_label("Operator").select_option("matches")
    values = rule.get_by_label("Values")
    values.fill("(unclosed")
    page.get_by_role("button", name="Save rules").first.click()

    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(rule.get_by_text("not a regular expression RE2 accepts")).to_be_visible()
    expect(values).to_have_attribute("aria-invalid", "true")
    expect(values).to_have_value("(unclosed")
    rule.get_by_role("group", name="Condition 1").scroll_into_view_if_needed()
    screenshot(page, "console-rules-error", docs_image="console-rules-error")

    values.fill("^enterprise-")
    page.get_by_role("button", name="Save rules").first.click()
    expect(page.get_by_text("Saved: the rules are live in production.")).to_be_visible()
    expect(rule.get_by_label("Values")).to_have_value("^enterprise-")


def test_rule_editor__operator_is_in_segment__segment_choice_shown(
    page: Page, live_server: LiveServer, axe: Callable[..., None]
) -> None:
    _open(page, live_server.admin_token, RULES)
    rule = page.get_by_role("group", name="Rule 2", exact=True)
    rule.get_by_label("Operator").select_option("segment_match")

    expect(rule.get_by_role("group", name="Segments")).to_be_visible()
    expect(page.get_by_text("Changed, not saved yet")).to_be_visible()
    rule.get_by_label("beta-testers").check()
    page.get_by_role("button", name="Save rules").first.click()
    expect(page.get_by_text("Saved: the rules are live in production.")).to_be_visible()
    expect(rule.get_by_label("beta-testers")).to_be_checked()
    axe(page)


def test_rule_editor__segment_chosen_before_its_script_ran__segment_choice_shown(
    page: Page, live_server: LiveServer
) -> None:
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # the editor's script waits until released below

    page.route("**/js/rules.*", hold)
    with page.expect_request("**/js/rules.*"):
        _open(page, live_server.admin_token, RULES)
    rule = page.get_by_role("group", name="Rule 2", exact=True)
    rule.get_by_label("Operator").select_option("segment_match")
    expect(rule.get_by_role("button", name="Show the fields")).to_be_visible()
    assert len(held) == 1
    held[0].continue_()

    expect(rule.get_by_role("group", name="Segments")).to_be_visible()
    expect(page.get_by_text("Changed, not saved yet")).to_be_visible()


def test_segment_page__axe__no_serious_violations(
    page: Page, live_server: LiveServer, axe: Callable[..., None], screenshot: Callable[..., Path]
) -> None:
    _open(page, live_server.admin_token, "/projects/demo/segments/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Segment Acme staff")
    axe(page)
    screenshot(page, "console-segment")


@pytest.mark.parametrize(
    "path", [RULES, "/projects/demo/segments", "/projects/demo/segments/staff"]
)
def test_pages__phone_width__no_horizontal_scroll(
    page: Page, live_server: LiveServer, path: str
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, live_server.admin_token, path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390 px"
