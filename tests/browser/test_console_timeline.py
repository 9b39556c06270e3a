"""The timeline, open in a browser: a deployment recorded through the HTTP API appears
at its top without a reload; the category filter is a GET form."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.live import LiveServer

pytestmark = pytest.mark.browser
TIMELINE = "/projects/demo/timeline"


def _sign_in(page: Page, token: str, next_url: str) -> None:
    page.goto(f"/sign-in?next={next_url}")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_timeline__deployment_recorded_through_the_api__appears_without_reload(
    page: Page, live_server: LiveServer
) -> None:
    deploy_token = live_server.token("deploy", environment=None)
    _sign_in(page, live_server.admin_token, TIMELINE)
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline")
    page.get_by_role("checkbox", name="Deployments").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/projects/demo/timeline\?category=deployment&"))
    page.locator("[data-live][data-live-ready]").wait_for()  # listening to the stream
    page.evaluate("window.notReloaded = true")
    newest = page.locator(".timeline__item").first
    expect(newest).not_to_contain_text("worker 7.7.7")

    body = {"service": "worker", "version": "7.7.7", "environment": "production"}
    body |= {"commit_sha": "0f1e2d3", "status": "in_progress"}
    base = f"{live_server.url}/api/v1/projects/demo/deployments"
    with httpx.Client(headers={"Authorization": f"Bearer {deploy_token}"}) as pipeline:
        recorded = pipeline.post(base, json=body)
        assert recorded.status_code == 201, recorded.text

    expect(newest).to_contain_text("Deployment of worker 7.7.7 to production recorded")
    expect(newest.get_by_role("link")).to_have_attribute(
        "href", f"/projects/demo/deployments/{recorded.json()['id']}"
    )
    assert page.evaluate("window.notReloaded") is True
