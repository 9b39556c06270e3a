"""The acceptance walk: a newcomer with a browser only. The README's first command
(``premiere serve --demo``: the live server holds the same demo project), then, in the
console alone, with the admin token: the quickstart (a flag, a rule, evaluate-as) and
the release walkthrough of docs/releases-walkthrough.md on the demo's release: what
is missing, deploy and verify its code (promote, report finished), approve, tick the
go-to-market checklist's required item (support briefed), start,
advance stage by stage, pause, resume, roll back. Nothing here calls the services or
the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.api.live import LiveServer
from tests.browser import steps
from tests.browser.support import ROOT

pytestmark = pytest.mark.browser
RELEASE = "Recommendations v2"


def _first_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert found, "README.md has no shell block"
    return found.group(1)


def _act(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=RELEASE)).to_be_visible()


def _verify_the_code(page: Page) -> None:
    """What the readiness list asks for: api 1.5.0, verified in staging, promoted to
    production and reported finished there."""
    page.get_by_role("link", name="Find the version to promote").click()
    expect(page.get_by_label("Service")).to_have_value("api")
    expect(page.get_by_label("Environment")).to_have_value("")
    row = page.get_by_role("row").filter(has_text="1.5.0").filter(has_text="staging")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name="api 1.5.0 in staging")).to_be_visible()
    expect(page.get_by_label("Promote to")).to_have_value("production")
    page.get_by_role("button", name="Promote").click()
    expect(page.get_by_role("heading", level=1, name="api 1.5.0 in production")).to_be_visible()
    page.get_by_role("button", name="Report finished").click()
    expect(page.locator(".facts")).to_contain_text("verified")


def test_acceptance__newcomer_in_a_browser__quickstart_and_release_walkthrough(
    page: Page, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    assert "premiere serve --demo" in _first_command()
    confirmations: list[str] = []

    def accept(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    steps.sign_in(page, live_server.admin_token)
    steps.quickstart(page)

    page.get_by_role("link", name="Releases", exact=True).click()
    page.get_by_role("link", name=RELEASE).click()
    readiness = page.locator(".checklist")
    expect(readiness).to_contain_text("Flag recommendations-model: needs service api")
    expect(readiness).to_contain_text("Approvals: 0 of 1 required")
    expect(readiness).to_contain_text("Checklist: Support briefed")
    _verify_the_code(page)

    page.get_by_role("link", name="Releases", exact=True).click()
    page.get_by_role("link", name=RELEASE).click()
    expect(readiness).not_to_contain_text("recommendations-model")
    page.get_by_role("button", name="Approve this release").click()
    expect(readiness).to_contain_text("Checklist: Support briefed")
    page.get_by_role("link", name="Go to the item").click()
    tick = page.get_by_role("button", name="Mark Support briefed done")
    expect(tick).to_have_text("Tick")
    tick.click()
    expect(page.get_by_role("button", name="Mark Support briefed not done")).to_be_visible()
    expect(page.get_by_text("Ready: every feature")).to_be_visible()

    _act(page, "Start")
    expect(page.get_by_text("stage 1 of 4, segment staff")).to_be_visible()
    _act(page, "Advance")
    expect(page.get_by_text("stage 2 of 4, 5 %")).to_be_visible()
    _act(page, "Advance")
    expect(page.get_by_text("stage 3 of 4, 25 %")).to_be_visible()
    _act(page, "Pause")
    expect(page.locator(".release-state .badge--paused")).to_be_visible()
    _act(page, "Resume")
    expect(page.locator(".release-state .badge--rolling-out")).to_be_visible()
    _act(page, "Roll back")
    expect(page.locator(".release-state .badge--rolled-back")).to_be_visible()
    screenshot(page, "console-acceptance-rolled-back")
    assert [m.split(" ", 1)[0] for m in confirmations] == [
        "Promote", "Report", "Start", "Advance", "Advance", "Pause", "Resume", "Roll",
    ]  # fmt: skip
