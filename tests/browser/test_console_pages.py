"""Every page of the console, one test each: no serious or critical axe-core violation,
and at 390 px wide (a phone) no horizontal scroll. Each page's screenshot is saved as
a test artefact; ``PREMIERE_UPDATE_SCREENSHOTS=1`` refreshes the ones docs/console.md shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DEMO = "/projects/demo"
# The demo's deployments are recorded in order: api 1.5.0 in staging is the 15th.
DEPLOYMENT = 15

# (name of the screenshot, path, the image docs/console.md shows or None)
PAGES = [
    ("overview", DEMO, None),  # docs image: test_console_sign_in
    ("flags", f"{DEMO}/flags", "console-flags"),
    ("flag-new", f"{DEMO}/flags/new", None),
    ("flag", f"{DEMO}/flags/new-checkout?environment=production", "console-flag"),
    ("rules", f"{DEMO}/flags/new-checkout/environments/production/rules", "console-rules"),
    ("segments", f"{DEMO}/segments", "console-segments"),
    ("segment", f"{DEMO}/segments/staff", None),
    ("deployments", f"{DEMO}/deployments", "console-deployments"),
    ("deployment", f"{DEMO}/deployments/{DEPLOYMENT}", "console-deployment"),
    ("releases", f"{DEMO}/releases", "console-releases"),
    ("calendar-month", f"{DEMO}/releases/calendar?view=month&date=2026-12-01", "console-calendar"),
    ("calendar-week", f"{DEMO}/releases/calendar?view=week&date=2026-12-01", None),
    ("release-new", f"{DEMO}/releases/new", None),
    ("release-edit", f"{DEMO}/releases/recommendations-v2/edit", None),
    (
        "flag-evaluated",
        f"{DEMO}/flags/new-checkout?context_key=user-1&attribute_name_0=plan"
        "&attribute_value_0=enterprise",
        None,
    ),
    ("release", f"{DEMO}/releases/recommendations-v2", None),  # test_console_releases
    # the demo release's first note (the finished payments-v2-launch has notes 1 and 2)
    ("note", f"{DEMO}/releases/recommendations-v2/notes/3", None),
    ("audit", f"{DEMO}/audit", "console-audit"),
    ("timeline", f"{DEMO}/timeline", "console-timeline"),
    ("insights", f"{DEMO}/insights", "console-insights"),
    ("tokens", f"{DEMO}/tokens", "console-tokens"),
    ("settings", f"{DEMO}/settings", "console-settings"),
    ("people", "/people", None),  # docs images: test_console_people
    ("service-accounts", "/service-accounts", None),
    ("account", "/account", None),
    ("not-found", f"{DEMO}/no-such-page", None),
]


def _sign_in(page: Page, token: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _check(page: Page, name: str, axe: Callable[..., None]) -> None:
    """axe at the desktop width, then no horizontal scroll at a phone's."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} ({page.url}) is {width} px wide at 390 px"


@pytest.mark.parametrize(("name", "path", "docs_image"), PAGES, ids=[p[0] for p in PAGES])
def test_page__axe_and_phone_width__no_serious_violations_no_horizontal_scroll(
    page: Page,
    live_server: LiveServer,
    axe: Callable[..., None],
    screenshot: Callable[..., Path],
    name: str,
    path: str,
    docs_image: str | None,
) -> None:
    _sign_in(page, live_server.admin_token)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, f"console-page-{name}", docs_image=docs_image)
    _check(page, name, axe)


def test_sign_in_page__axe_and_phone_width__no_serious_violations_no_horizontal_scroll(
    page: Page, axe: Callable[..., None], screenshot: Callable[..., Path]
) -> None:
    page.goto("/sign-in")
    screenshot(page, "console-page-sign-in")
    _check(page, "sign-in", axe)
