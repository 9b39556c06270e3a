"""The browser tests' own ground: requests stay on the server's origin, script errors
and policy violations are caught, axe fails on serious violations, screenshots land
where they should."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import support
from tests.browser.support import Watch

pytestmark = pytest.mark.browser
CDN_SCRIPT = "https://cdn.example.com/library.js"


def test_page__request_to_another_origin__is_aborted_and_reported(page: Page, watch: Watch) -> None:
    page.goto("/healthz")

    outcome = page.evaluate(
        "url => fetch(url).then(() => 'loaded', error => 'failed: ' + error.name)", CDN_SCRIPT
    )

    assert outcome == "failed: TypeError"
    watch.expect_blocked(CDN_SCRIPT)
    assert watch.problems() == []


def test_page__request_to_the_server__goes_through(page: Page, watch: Watch) -> None:
    response = page.goto("/healthz")

    assert response is not None and response.ok
    assert "ok" in page.locator("body").inner_text()
    assert watch.blocked == []


def test_page__uncaught_script_error__is_reported(page: Page, watch: Watch) -> None:
    page.goto("/healthz")

    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') })")

    assert watch.problems() == ["uncaught script error: Error: boom"]
    watch.page_errors.clear()


def test_page__policy_violation__is_reported(page: Page, watch: Watch) -> None:
    page.goto("/docs")  # its policy allows images from the server and data: URLs only
    image = "https://images.example.com/pixel.png"

    with page.expect_console_message(lambda message: image in message.text):
        page.evaluate("url => { const i = new Image(); i.src = url; }", image)

    assert [p.split(":", 1)[0] for p in watch.problems()] == ["Content-Security-Policy violation"]
    watch.expect_policy_violation(image)
    assert watch.blocked == []  # the browser refused it before any request


def test_axe__serious_violation__fails_naming_the_rule(page: Page) -> None:
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,"></main></html>')

    with pytest.raises(AssertionError, match=r"critical: image-alt .* at img"):
        support.assert_accessible(page)


def test_axe__page_without_serious_violations__passes(page: Page) -> None:
    page.set_content('<html lang="en"><title>t</title><main><h1>Flags</h1></main></html>')

    support.assert_accessible(page)


def test_screenshot__saved_as_artefact__and_docs_image_only_when_asked(
    page: Page, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(support, "SCREENSHOTS", tmp_path / "build")
    monkeypatch.setattr(support, "DOCS_IMAGES", tmp_path / "images")
    page.set_content("<h1>Overview</h1>")

    monkeypatch.delenv(support.UPDATE_SCREENSHOTS, raising=False)
    saved = support.save_screenshot(page, "overview", docs_image="console-overview")
    assert saved == tmp_path / "build" / "overview.png"
    assert saved.read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "images").exists()

    monkeypatch.setenv(support.UPDATE_SCREENSHOTS, "1")
    support.save_screenshot(page, "overview", docs_image="console-overview")
    assert (tmp_path / "images" / "console-overview.png").read_bytes() == saved.read_bytes()
