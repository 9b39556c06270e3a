"""The release walkthrough in a browser: from the overview to the demo's release,
approve it, start it, watch a stage advanced elsewhere show without a reload, pause
and roll it back; the releases pages pass axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from premiere.services import SYSTEM, Actor
from premiere.services.deployments import ledger
from premiere.services.releases import checklist, records
from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
RELEASE = "recommendations-v2"


def _sign_in(page: Page, token: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Acme Shop")).to_be_visible()


def _verify_api_in_production(live_server: LiveServer) -> None:
    data = {"service": "api", "version": "1.5.0", "environment": "production"}
    data |= {"commit_sha": "a81e0b7", "status": "in_progress"}
    view, _ = ledger.record_deployment(live_server.store, SYSTEM, "demo", data)
    outcome = {"outcome": "succeeded"}
    ledger.finish_deployment(live_server.store, SYSTEM, "demo", view["id"], outcome)


def _act(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Recommendations v2")).to_be_visible()


def test_release_walkthrough__approve_start_live_advance_pause_roll_back(
    page: Page, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    confirmations: list[str] = []

    def accept(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    _sign_in(page, live_server.admin_token)
    page.get_by_role("link", name="Releases", exact=True).click()
    page.get_by_role("link", name="Recommendations v2").click()
    expect(page.get_by_text("Approvals: 0 of 1 required")).to_be_visible()

    _verify_api_in_production(live_server)
    checklist.tick_checklist_item(live_server.store, SYSTEM, "demo", RELEASE, "support-briefed")
    page.get_by_role("button", name="Approve this release").click()
    expect(page.get_by_text("Ready: every feature")).to_be_visible()
    _act(page, "Start")
    expect(page.get_by_text("stage 1 of 4, segment staff")).to_be_visible()
    screenshot(page, "console-release", docs_image="console-release")

    version = records.get_release(live_server.store, "demo", RELEASE)["version"]
    records.advance_release(live_server.store, SYSTEM, "demo", RELEASE, {}, version)
    expect(page.get_by_text("stage 2 of 4, 5 %")).to_be_visible()  # live, no reload

    page.reload()
    _act(page, "Pause")
    expect(page.locator(".release-state .badge--paused")).to_be_visible()
    _act(page, "Roll back")
    expect(page.locator(".release-state .badge--rolled-back")).to_be_visible()
    assert any("Roll back" in message for message in confirmations)
    assert records.get_release(live_server.store, "demo", RELEASE)["state"] == "rolled_back"


def test_releases_pages__axe__no_serious_violations(
    page: Page, live_server: LiveServer, axe: Callable[..., None]
) -> None:
    _sign_in(page, live_server.admin_token)
    for path, heading in (
        ("/projects/demo/releases", "Releases"),
        ("/projects/demo/releases/calendar", "Release calendar"),
        ("/projects/demo/releases/new", "New release"),
        (f"/projects/demo/releases/{RELEASE}", "Recommendations v2"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        axe(page)


def test_release_edit__approved_draft__edited_and_approvals_voided(
    page: Page,
    live_server: LiveServer,
    screenshot: Callable[..., Path],
    axe: Callable[..., None],
) -> None:
    release = records.get_release(live_server.store, "demo", RELEASE)
    other = Actor(kind="user", id="u-9", name="Grace")
    records.approve_release(
        live_server.store, other, "demo", RELEASE, {"digest": release["digest"]}
    )
    _sign_in(page, live_server.admin_token)
    page.goto(f"/projects/demo/releases/{RELEASE}")
    page.get_by_role("link", name="Edit the release").click()
    expect(page.get_by_role("heading", level=1, name="Edit Recommendations v2")).to_be_visible()
    expect(page.locator(".release-edit-approvals")).to_contain_text("voids it")
    axe(page)
    screenshot(page, "console-release-edit")
    page.get_by_label("Name", exact=True).fill("Recommendations v3")
    page.get_by_label("Rollout plan, one stage a line").fill("10% hold 600\n100%")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1, name="Recommendations v3")).to_be_visible()
    expect(page.locator(".release-edited")).to_contain_text("it needs 1 approval again")
    expect(page.get_by_text("voided by an edit")).to_be_visible()
