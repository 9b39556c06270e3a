"""Single sign-on in a browser, against a real OpenID provider (tests/people/conftest.py):
an engineer signs in with SSO and the server refuses them what is a release manager's
(approving the demo's release, changing a flag in production: 403); a release manager,
signed in with SSO too, approves the release."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from premiere.services.people.oidc import OidcConfig, parse_role_map
from tests.api.live import LiveServer
from tests.browser import support
from tests.browser.conftest import WAIT_MS
from tests.browser.support import Watch
from tests.people.conftest import Provider, run_provider

pytestmark = pytest.mark.browser
RELEASE = "/projects/demo/releases/recommendations-v2"
FLAG_SWITCH = "/projects/demo/flags/dark-mode/environments/production/switch"
FONTS = "https://fonts.googleapis.com/"
"""The provider's sign-in page asks for a web font; the browser tests load nothing from
other sites."""


@pytest.fixture
def provider(live_server: LiveServer, watch: Watch) -> Iterator[Provider]:
    """The live server's single sign-on, set up as PREMIERE_OIDC_* would, against a
    provider whose client calls back to it."""
    with run_provider([f"{live_server.url}/sign-in/sso/callback"]) as running:
        state = live_server.app.state.console
        state.public_url = live_server.url
        state.sso = OidcConfig(
            issuer=running.issuer,
            client_id=running.client_id,
            client_secret=running.client_secret,
            scopes="openid email profile groups",
            role_map=parse_role_map("eng=engineer, release=release_manager"),
            create_accounts=True,
        )
        watch.allowed_origins.add(running.issuer)
        yield running
        watch.blocked = [url for url in watch.blocked if not url.startswith(FONTS)]


def _sign_in_with_sso(page: Page, login: str) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Sign in with SSO").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Acme Shop")).to_be_visible()


def _post(page: Page, path: str, form: dict[str, str]) -> int:
    """A form posted with the session (its cookie and CSRF token), as the page would."""
    csrf = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    response = page.request.post(path, form={"csrf": csrf, **form}, max_redirects=0)
    return response.status


def test_sso__engineer_refused_release_manager_approves(
    page: Page,
    chromium: Browser,
    live_server: LiveServer,
    watch: Watch,
    provider: Provider,
    screenshot: Callable[..., Path],
) -> None:
    # Given an engineer (group eng) signed in with single sign-on
    _sign_in_with_sso(page, "erin@example.com")
    expect(page.locator(".who")).to_have_text("Erin Engineer")
    screenshot(page, "console-sso-engineer")

    # When they try what a release manager does, the server refuses
    page.goto(RELEASE)
    assert _post(page, f"{RELEASE}/approvals", {"comment": "ok"}) == 403
    page.goto("/projects/demo/flags/dark-mode?environment=production")
    assert _post(page, FLAG_SWITCH, {"on": "true", "version": "1"}) == 403

    # Then a release manager (group release), signed in with single sign-on in their own
    # browser, approves it
    browser = chromium.new_context(base_url=live_server.url, **support.CONTEXT_OPTIONS)
    browser.set_default_timeout(WAIT_MS)
    watch.install(browser)
    try:
        other = browser.new_page()
        _sign_in_with_sso(other, "rita@example.com")
        expect(other.locator(".who")).to_have_text("Rita Release")
        other.goto(RELEASE)
        expect(other.get_by_text("Approvals: 0 of 1 required")).to_be_visible()
        other.get_by_role("button", name="Approve this release").click()
        approvals = other.locator("#approvals")
        expect(approvals).to_contain_text("1 of 1 required approval")
        expect(approvals).to_contain_text("Rita Release")
        screenshot(other, "console-sso-approved")
    finally:
        browser.close()
