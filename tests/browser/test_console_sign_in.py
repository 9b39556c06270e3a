"""Journeys of the console's sign-in: a person with the admin token signs in and out;
a signed-out visitor is sent to sign in; a form posted without its CSRF token is
refused; the sign-in page and the overview pass axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
OVERVIEW = "Acme Shop"  # the demo project's name: the overview's heading


def _sign_in(page: Page, token: str) -> None:
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in__with_the_admin_token__opens_the_overview_and_sign_out_ends_it(
    page: Page, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    page.goto("/sign-in")
    _sign_in(page, live_server.admin_token)

    expect(page.get_by_role("heading", level=1, name=OVERVIEW)).to_be_visible()
    expect(page.get_by_role("heading", name="What runs where")).to_be_visible()
    screenshot(page, "console-overview", docs_image="console-overview")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in(\?next=/)?$"))
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_sign_in__wrong_token__shows_the_error_at_the_field(
    page: Page, screenshot: Callable[..., Path]
) -> None:
    page.goto("/sign-in")
    _sign_in(page, "prm_not-a-token")

    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_text("That token does not sign in").first).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "console-sign-in-error")


def test_signed_out_visitor__a_project_page__is_sent_to_sign_in_then_back(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/projects/demo")

    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fprojects%2Fdemo$"))
    _sign_in(page, live_server.admin_token)

    expect(page).to_have_url(re.compile(r"/projects/demo$"))
    expect(page.get_by_role("heading", level=1, name=OVERVIEW)).to_be_visible()


def test_sign_out__posted_without_its_csrf_token__is_refused_and_the_session_stays(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/sign-in")
    _sign_in(page, live_server.admin_token)
    expect(page.get_by_role("heading", level=1, name=OVERVIEW)).to_be_visible()
    sign_out = page.locator("form", has=page.get_by_role("button", name="Sign out"))
    sign_out.locator("input[name=csrf]").evaluate("field => field.remove()")

    with page.expect_response(lambda r: r.url.endswith("/sign-out")) as answer:
        page.get_by_role("button", name="Sign out").click()

    assert answer.value.status == 403
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name=OVERVIEW)).to_be_visible()


def test_sign_in_page__axe__no_serious_violations(
    page: Page, axe: Callable[..., None], screenshot: Callable[..., Path]
) -> None:
    page.goto("/sign-in")

    expect(page.get_by_label("Admin token")).to_be_visible()
    axe(page)
    screenshot(page, "console-sign-in", docs_image="console-sign-in")


def test_overview__axe__no_serious_violations(
    page: Page, live_server: LiveServer, axe: Callable[..., None]
) -> None:
    page.goto("/sign-in")
    _sign_in(page, live_server.admin_token)

    expect(page.get_by_role("heading", level=1, name=OVERVIEW)).to_be_visible()
    axe(page)
