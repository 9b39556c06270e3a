"""Fixtures of the browser tests (marked ``browser``; scripts/test runs them).

- ``live_server``: the app with the console, as ``premiere serve`` builds it, on a free
  loopback port (uvicorn in a thread) on a fresh SQLite database holding the demo
  project and its history (as ``serve --demo``); ``live_server.admin_token`` signs in.
- ``page``: a page in a new browser context of the worker's one Chromium, whose requests
  may reach the server's origin only (every other is aborted); the test fails if it
  requested another origin, raised an uncaught script error or broke the
  Content-Security-Policy, unless it said it expected that (``watch``).
- ``screenshot(page, name, docs_image=...)``, ``axe(page)``: see ``support.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from premiere.cli.server.demo import seed_demo
from premiere.store import Store
from premiere.store.types import utc_now
from tests.api.live import LiveServer, serve
from tests.browser import support

# A loaded two-core machine may take seconds to render a page: what a test waits for
# (a locator, an assertion) may take this long before the test fails.
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="session")
def _demo_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo project and its months of history, as
    ``premiere serve --demo`` seeds it (the screenshots show what a newcomer sees),
    copied by each test."""
    path = tmp_path_factory.mktemp("demo") / "premiere.db"
    shutil.copyfile(_sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store, history_until=utc_now())
    store.close()
    return path


@pytest.fixture
def live_server(_demo_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "premiere.db"
    shutil.copyfile(_demo_template, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        with serve(store, console=True) as server:
            yield server
    finally:
        store.close()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One browser for the tests of this folder (run one after the other, on each worker);
    each test gets a new context of it. Not for the whole session: while Playwright's
    synchronous API runs, its event loop is the thread's, and ``asyncio.run`` in a later
    test of another folder would fail."""
    problem = support.missing_chromium()
    if problem:
        pytest.fail(problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**support.launch_options())
        yield browser
        browser.close()


@pytest.fixture
def watch(live_server: LiveServer) -> support.Watch:
    return support.Watch(support.origin(live_server.url))


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    chromium: Browser,
    live_server: LiveServer,
    watch: support.Watch,
) -> Iterator[Page]:
    assert request.node.get_closest_marker("browser"), "mark the test pytest.mark.browser"
    context = chromium.new_context(base_url=live_server.url, **support.CONTEXT_OPTIONS)
    context.set_default_timeout(WAIT_MS)
    watch.install(context)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not watch.problems(), "\n".join(watch.problems())


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    return support.save_screenshot


@pytest.fixture
def axe() -> Callable[..., None]:
    return support.assert_accessible
