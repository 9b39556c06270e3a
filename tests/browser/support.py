"""What the browser tests stand on, besides fixtures: Debian's Chromium, a watch on
what a page requests and reports, accessibility checks with axe-core, screenshots.

No test downloads a browser: Chromium is Debian's (`apt-get install chromium`, which
scripts/test runs when it is missing).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route, WebError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
SCREENSHOTS = ROOT / "build" / "screenshots"  # test artefacts (git-ignored)
DOCS_IMAGES = ROOT / "docs" / "images"
UPDATE_SCREENSHOTS = "PREMIERE_UPDATE_SCREENSHOTS"  # =1: refresh docs/images/ too
SERIOUS = ("serious", "critical")
CONTEXT_OPTIONS: dict[str, Any] = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "en-US",
    "timezone_id": "UTC",
    "color_scheme": "light",
    "reduced_motion": "reduce",
}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Watch:
    """What a browser context did that a test should know of: requests to another
    origin than the server's (aborted: nothing loads from a CDN), uncaught script
    errors, and Content-Security-Policy violations. The ``page`` fixture fails a test
    that leaves any of them here; a test that expects one removes it with ``expect_*``."""

    server_origin: str
    allowed_origins: set[str] = field(default_factory=set)
    """Other origins the test visits on purpose (an OpenID provider's sign-in page)."""
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    policy_violations: list[str] = field(default_factory=list)

    def install(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.on("weberror", self._error)
        context.on("console", self._console)

    def expect_blocked(self, url: str) -> None:
        """That ``url`` was requested (and aborted); forget it."""
        assert url in self.blocked, f"{url} was not requested; requested: {self.blocked}"
        self.blocked = [u for u in self.blocked if u != url]

    def expect_policy_violation(self, url: str) -> None:
        """That the Content-Security-Policy refused ``url``; forget it."""
        found = [v for v in self.policy_violations if f"'{url}'" in v]
        assert found, f"no policy violation names {url}: {self.policy_violations}"
        self.policy_violations = [v for v in self.policy_violations if v not in found]

    def problems(self) -> list[str]:
        return [
            *(f"request to another origin: {url}" for url in self.blocked),
            *(f"uncaught script error: {error}" for error in self.page_errors),
            *(f"Content-Security-Policy violation: {text}" for text in self.policy_violations),
        ]

    def _route(self, route: Route) -> None:
        url = route.request.url
        if origin(url) == self.server_origin or origin(url) in self.allowed_origins:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _error(self, error: WebError) -> None:
        self.page_errors.append(f"{error.error.name}: {error.error.message}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.policy_violations.append(message.text)


def launch_options() -> dict[str, Any]:
    """Options for ``chromium.launch``: Debian's Chromium, headless."""
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


def missing_chromium() -> str | None:
    """What to do when Chromium is not installed; ``None`` when it is."""
    if CHROMIUM.exists():
        return None
    return (
        f"the browser tests need Debian's Chromium at {CHROMIUM}: run "
        "`apt-get install chromium` as root (scripts/test does it); no test downloads a browser"
    )


def assert_accessible(page: Page, context: str | None = None) -> None:
    """Fail on any serious or critical axe-core violation on ``page`` (or the part of it
    the CSS selector ``context`` names), listing each with the elements it names."""
    results = Axe().run(page, context=context)
    violations = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    lines = [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
    ]
    assert not violations, f"axe on {page.url}:\n" + "\n".join(lines)


def save_screenshot(page: Page, name: str, *, docs_image: str | None = None) -> Path:
    """Save ``page`` as ``build/screenshots/<name>.png`` (a test artefact); with
    ``docs_image`` and PREMIERE_UPDATE_SCREENSHOTS=1, also as docs/images/<docs_image>.png."""
    assert re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name), f"not a file name: {name!r}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, animations="disabled", caret="hide")
    if docs_image is not None and os.environ.get(UPDATE_SCREENSHOTS) == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / f"{docs_image}.png")
    return path
