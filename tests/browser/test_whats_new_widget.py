"""The <premiere-whats-new> widget on a page served by the live server, under a strict
Content-Security-Policy: the badge, the panel, marking seen, a reaction stored; and an
XSS corpus (from the server, and as raw HTML past the server's sanitiser) left inert."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from starlette.responses import HTMLResponse
from starlette.routing import Route as StarletteRoute

from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
NOTES = "/api/v1/projects/demo/releases/recommendations-v2/notes"
PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"
XSS = [
    "<script>window.__xss = 1</script>",
    '<img src="x" onerror="window.__xss = 2">',
    "[click](javascript:window.__xss=3)",
    '<svg onload="window.__xss = 4"></svg>',
    '<iframe srcdoc="<script>parent.__xss = 5</script>"></iframe>',
    '<a href="javascript:window.__xss=6">x</a>',
    "<style>body{display:none}</style>",
]


ROOT = Path(__file__).resolve().parents[2]


def docs_snippet() -> str:
    """The widget's snippet in docs/communication.md, as a site would paste it."""
    text = (ROOT / "docs" / "communication.md").read_text(encoding="utf-8")
    start = text.index("```html\n", text.index("### The widget")) + len("```html\n")
    return text[start : text.index("```", start)]


def shop_page(live_server: LiveServer, client_key: str) -> str:
    """Serve a page embedding the widget with the docs' snippet (the server's URL and a
    real key put in), under a strict Content-Security-Policy."""
    snippet = docs_snippet().replace("http://localhost:8700", live_server.url)
    snippet = snippet.replace("YOUR-SDK-CLIENT-KEY", client_key)

    async def whats_new_page(_request: Any) -> HTMLResponse:
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
            f"</head><body><main><h1>Shop</h1>{snippet}</main></body></html>"
        )
        return HTMLResponse(body, headers={"Content-Security-Policy": PAGE_POLICY})

    live_server.app.router.routes.insert(0, StarletteRoute("/shop.html", whats_new_page))
    return "/shop.html"


def withdraw_demo_notes(live_server: LiveServer) -> None:
    """Unpublish the notes the demo published, so that the widget shows the test's only."""
    earlier = live_server.admin("GET", "/api/v1/projects/demo/notes?state=published")
    for note in earlier["items"]:
        release = f"/api/v1/projects/demo/releases/{note['release']}/notes/{note['id']}"
        live_server.admin("POST", f"{release}/unpublish")


def published(live_server: LiveServer, title: str, body: str = "") -> int:
    note = live_server.admin("POST", NOTES, {"title": title, "body": body, "features": []}, 201)
    live_server.admin("POST", f"{NOTES}/{note['id']}/publish")
    return int(note["id"])


def test_widget__badge_panel_seen_and_reaction(
    page: Page,
    live_server: LiveServer,
    screenshot: Callable[..., Path],
    axe: Callable[..., None],
) -> None:
    withdraw_demo_notes(live_server)
    published(live_server, "Saved carts", "Your cart is **kept** for 30 days.")
    published(live_server, "Faster search")
    url = shop_page(live_server, live_server.token("sdk-client"))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/whats-new") else None)
    page.goto(url)
    toggle = page.get_by_role("button", name="What's new: 2 unseen")
    expect(toggle).to_be_visible()
    assert len(asked) == 1  # one request however many attributes the element has
    toggle.click()
    panel = page.get_by_role("dialog", name="What's new")
    expect(panel.get_by_role("heading", name="Faster search")).to_be_visible()
    expect(panel.locator("strong")).to_have_text("kept")
    expect(page.get_by_role("button", name="What's new: 0 unseen")).to_be_visible()
    article = panel.locator("article").filter(has_text="Saved carts")
    article.get_by_role("button", name="Love it").click()
    expect(article.get_by_role("status")).to_have_text("Thank you for your feedback.")
    expect(article.get_by_role("button", name="Love it")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "whats-new-widget")
    axe(page)
    summary = live_server.admin("GET", "/api/v1/projects/demo/releases/recommendations-v2/feedback")
    assert summary["total"]["reactions"]["love"] == 1
    page.reload()
    expect(page.get_by_role("button", name="What's new: 0 unseen")).to_be_visible()


def test_widget__xss_corpus__inert(page: Page, live_server: LiveServer) -> None:
    withdraw_demo_notes(live_server)
    for index, payload in enumerate(XSS):
        published(live_server, f"{payload} #{index}", payload)
    url = shop_page(live_server, live_server.token("sdk-client"))
    raw = [  # straight into the widget, as if the server had not sanitised
        {"id": 900 + i, "title": p, "body_html": p, "category": "new", "seen": False}
        for i, p in enumerate(XSS)
    ]

    def unsanitised(route: Route) -> None:
        if route.request.url.endswith("/api/v1/whats-new"):
            route.fulfill(json={"notes": raw, "unseen": len(raw)})
        else:
            route.continue_()

    for attempt in ("server", "raw"):
        if attempt == "raw":
            page.route("**/api/v1/whats-new", unsanitised)
        page.goto(url)
        toggle = page.get_by_role("button", name=f"What's new: {len(XSS)} unseen")
        toggle.click()
        panel = page.get_by_role("dialog", name="What's new")
        expect(panel.locator("article")).to_have_count(len(XSS))
        expect(panel.get_by_role("heading", name=XSS[0], exact=False)).to_be_visible()
        assert page.evaluate("window.__xss") is None
        dangerous = "script, img, svg, iframe, style, [onerror], [onload], a[href^='javascript']"
        assert panel.locator(dangerous).count() == 0
        expect(page.locator("body")).to_be_visible()
