"""Journeys through the console as a newcomer takes them: the quickstart (create a
flag, add a rule with the rule editor, check it with evaluate-as), and the same with
the keyboard alone, seeing where the focus is at every step."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.api.live import LiveServer
from tests.browser import steps

pytestmark = pytest.mark.browser
MAX_TABS = 80  # more stops than any page here has before what the journey looks for

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  const name = e.getAttribute("aria-label") || e.labels?.[0]?.textContent || e.textContent;
  return {tag: e.tagName, name: (name || "").trim().replace(/\\s+/g, " "),
          visible: outline || shadow};
}"""


def _tab_to(page: Page, name: str) -> None:
    """Press Tab until the focused element is named ``name``; every element on the way
    must show where the focus is (an outline or a shadow)."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "BODY":  # nothing focused (a page still settling): Tab on
            continue
        assert focused["visible"], f"no visible focus on {focused} at {page.url}"
        seen.append(focused["name"])
        if focused["name"] == name:
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}; it reached {seen}")


def test_quickstart__create_flag_add_rule_evaluate__rule_match_and_fallthrough(
    page: Page, live_server: LiveServer
) -> None:
    steps.sign_in(page, live_server.admin_token)
    steps.quickstart(page)


def test_keyboard_only__sign_in_reach_a_flag_turn_it_on__focus_always_visible(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/sign-in")
    _tab_to(page, "Admin token")
    page.keyboard.type(live_server.admin_token)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    _tab_to(page, "Flags")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Flags")).to_be_visible()
    _tab_to(page, "Maintenance banner")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Maintenance banner")).to_be_visible()
    _tab_to(page, "production")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Configuration in production")).to_be_visible()

    _tab_to(page, "Turn on in production")
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Turn off in production")).to_be_visible()
    expect(page.get_by_text("This flag is on in production")).to_be_visible()
