"""/docs and /redoc render with every request to another origin aborted: their scripts
and styles come from the package, not from a CDN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.live import LiveServer
from tests.browser.support import Watch

pytestmark = pytest.mark.browser
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"  # ReDoc's sidebar; the policy blocks it


def _operations(live_server: LiveServer) -> list[str]:
    document = live_server.admin("GET", "/openapi.json")
    return [op["summary"] for item in document["paths"].values() for op in item.values()]


def test_docs__offline__renders_every_operation(
    page: Page, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    page.goto("/docs")

    expect(page.get_by_role("heading", name="Premiere")).to_be_visible()
    expect(page.get_by_text("/api/v1/projects", exact=True).first).to_be_visible()
    screenshot(page, "api-docs-swagger-ui")
    # Swagger UI renders a long list of operations as it scrolls into view: read it all
    seen = _read_while_scrolling(page)
    missing = [summary for summary in _operations(live_server) if summary not in seen]
    assert not missing


def _read_while_scrolling(page: Page) -> str:
    """The text Swagger UI shows, scrolled from top to bottom a screen at a time."""
    seen: list[str] = []
    height = page.evaluate("window.innerHeight")
    for _ in range(500):
        seen.append(page.locator("body").inner_text())
        at_bottom = page.evaluate(
            "window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
        )
        if at_bottom:
            break
        page.mouse.wheel(0, height // 2)
        page.wait_for_function("() => true")  # let the scroll render
    return "\n".join(seen)


def test_redoc__offline__renders_the_reference(
    page: Page, watch: Watch, screenshot: Callable[..., Path]
) -> None:
    with page.expect_console_message(lambda message: REDOC_LOGO in message.text):
        page.goto("/redoc")

    expect(page.get_by_role("heading", name="Premiere (0.1.0)")).to_be_visible()
    expect(page.get_by_role("heading", name="List projects")).to_be_visible()
    watch.expect_policy_violation(REDOC_LOGO)
    screenshot(page, "api-docs-redoc")
