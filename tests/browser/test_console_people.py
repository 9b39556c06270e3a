"""Journeys of people: an admin invites someone and copies the one-time link; they
join with a name and password and find their account; they sign in again with their
password; an admin changes their role on their page. Each new page passes axe and has
no horizontal scroll at 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.live import LiveServer
from tests.browser import steps

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long enough passphrase"


def _check(page: Page, axe: Callable[..., None]) -> None:
    """axe at the desktop width, then no horizontal scroll at a phone's."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at 390 px"
    page.set_viewport_size({"width": 1280, "height": 800})


def _invite(page: Page, email: str) -> str:
    """From the People page, invite ``email`` as an engineer of every project: the link."""
    page.goto("/people")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option("engineer")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("heading", name=f"{email} invited")).to_be_visible()
    return page.get_by_label("Invitation link").input_value()


def test_people__invited_person_joins__signs_in_with_their_password(
    page: Page,
    live_server: LiveServer,
    axe: Callable[..., None],
    screenshot: Callable[..., Path],
) -> None:
    steps.sign_in(page, live_server.admin_token)
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1, name="People")).to_be_visible()
    link = _invite(page, "grace@example.com")
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    screenshot(page, "console-people-invited", docs_image="console-people")
    _check(page, axe)
    page.get_by_role("button", name="Sign out").click()

    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Join Premiere")).to_be_visible()
    _check(page, axe)
    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("must be at least 12 characters").first).to_be_visible()
    screenshot(page, "console-join-error", docs_image="console-join")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Join").click()

    page.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_role("heading", level=1, name="My account")).to_be_visible()
    page.get_by_label("Token name").fill("laptop")
    page.get_by_label("Limit to the role").select_option("viewer")
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_label("Token", exact=True)).to_have_value(re.compile(r"^prm_"))
    screenshot(page, "console-account", docs_image="console-account")
    _check(page, axe)
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    _check(page, axe)
    screenshot(page, "console-sign-in-password", docs_image="console-sign-in-password")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()


def test_person_page__admin_changes_a_role__the_table_shows_it(
    page: Page,
    live_server: LiveServer,
    axe: Callable[..., None],
    screenshot: Callable[..., Path],
) -> None:
    steps.sign_in(page, live_server.admin_token)
    link = _invite(page, "alan@example.com")
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.get_by_label("Name").fill("Alan")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("link", name="Alan")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.get_by_text("Sign in with an API token").click()
    page.get_by_label("Admin token").fill(live_server.admin_token)
    page.get_by_role("button", name="Sign in with the token").click()
    page.goto("/people")
    page.get_by_role("link", name="Alan").click()
    expect(page.get_by_role("heading", level=1, name="Alan")).to_be_visible()
    page.get_by_role("button", name="Make release manager").click()
    roles = page.get_by_role("table", name="Role per project")
    expect(roles).to_contain_text("release manager")
    screenshot(page, "console-person", docs_image="console-person")
    _check(page, axe)
    page.goto("/service-accounts")
    page.get_by_label("Name").fill("GitHub Actions")
    page.get_by_role("button", name="Create").click()
    page.get_by_label("Token name").fill("deploy job")
    page.get_by_role("button", name="Make a deploy token").click()
    expect(page.get_by_label("Token", exact=True)).to_have_value(re.compile(r"^prm_"))
    screenshot(page, "console-service-accounts", docs_image="console-service-accounts")
    _check(page, axe)
