"""Two people on one form, and changes made elsewhere: the rule editor open in two tabs,
the second save gets a conflict and keeps its input; a deployment recorded through the
HTTP API shows in an open overview without a reload."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from premiere.services.flags.configs import get_flag_config
from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
RULES = "/projects/demo/flags/new-checkout/environments/production/rules"


def _sign_in(page: Page, token: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_rule_editor__two_tabs_save__the_second_gets_a_conflict_and_keeps_its_input(
    page: Page, live_server: LiveServer
) -> None:
    _sign_in(page, live_server.admin_token)
    first = page
    second = page.context.new_page()  # the same session, another tab
    for tab in (first, second):
        tab.goto(RULES)
        expect(tab.get_by_role("heading", level=1)).to_have_text(
            "Rules of New checkout in production"
        )

    first_values = first.get_by_role("group", name="Rule 2", exact=True).get_by_label("Values")
    first_values.fill("premium")
    first.get_by_role("button", name="Save rules").first.click()
    expect(first.get_by_text("Saved: the rules are live in production.")).to_be_visible()

    second_values = second.get_by_role("group", name="Rule 2", exact=True).get_by_label("Values")
    second_values.fill("gold")
    second.get_by_role("button", name="Save rules").first.click()

    summary = second.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("version_conflict")
    assert summary.evaluate("e => e.getBoundingClientRect().top < window.innerHeight")
    expect(second.get_by_role("heading", name="The rules someone else saved")).to_be_visible()
    expect(second_values).to_have_value("gold")  # nothing typed is lost
    config = get_flag_config(live_server.store, "demo", "new-checkout", "production")
    assert config["rules"][1]["clauses"][0]["values"] == ["premium"]

    second.get_by_role("button", name="Save rules").first.click()  # on purpose: replace
    expect(second.get_by_text("Saved: the rules are live in production.")).to_be_visible()
    config = get_flag_config(live_server.store, "demo", "new-checkout", "production")
    assert config["rules"][1]["clauses"][0]["values"] == ["gold"]


def test_overview__deployment_recorded_through_the_api__shows_in_the_matrix_without_reload(
    page: Page, live_server: LiveServer
) -> None:
    deploy_token = live_server.token("deploy", environment=None)
    _sign_in(page, live_server.admin_token)
    expect(page.get_by_role("heading", name="What runs where")).to_be_visible()
    page.locator("[data-live][data-live-ready]").wait_for()  # listening to the stream
    page.evaluate("window.notReloaded = true")
    worker = page.locator("table.matrix tbody tr", has=page.get_by_role("rowheader", name="worker"))
    expect(worker).not_to_contain_text("1.0.0")

    body = {"service": "worker", "version": "1.0.0", "environment": "production"}
    body |= {"commit_sha": "0f1e2d3", "status": "in_progress"}
    base = f"{live_server.url}/api/v1/projects/demo/deployments"
    with httpx.Client(headers={"Authorization": f"Bearer {deploy_token}"}) as pipeline:
        recorded = pipeline.post(base, json=body)
        assert recorded.status_code == 201, recorded.text
        finished = pipeline.post(
            f"{base}/{recorded.json()['id']}/finish", json={"outcome": "succeeded"}
        )
        assert finished.status_code == 200, finished.text

    production = worker.locator("td").last
    expect(production).to_contain_text("1.0.0")
    expect(production).to_contain_text("verified")
    assert page.evaluate("window.notReloaded") is True
