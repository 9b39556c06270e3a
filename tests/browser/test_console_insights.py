"""The insights page of the demo project (with its months of history, as ``premiere serve
--demo`` seeds it), open in a browser: the five DORA measures with their bands and the
release-aware measures, the same numbers as the service; the period chosen in the form;
trends drawn as charts with their numbers; no serious axe violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from premiere.services.insights.releases import release_measures
from premiere.store.types import utc_now
from tests.api.live import LiveServer
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser
INSIGHTS = "/projects/demo/insights"
BANDED = (
    "Deployment frequency",
    "Lead time for changes",
    "Change failure rate",
    "Failed deployment recovery time",
)

OUTSIDE = """() => [...document.querySelectorAll("svg.chart")].flatMap((svg) => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll("text")]
    .filter((text) => {
      const edges = text.getBoundingClientRect();
      return edges.left < box.left - 0.5 || edges.right > box.right + 0.5;
    })
    .map((text) => text.textContent);
})"""
"""The labels of the charts that reach past their chart's edges (and are cut off)."""


def _measure(page: Page, name: str) -> str:
    return page.locator(".measure").filter(has=page.get_by_text(name, exact=True)).inner_text()


def test_insights__demo_history_over_90_days__measures_bands_and_charts(
    page: Page,
    live_server: LiveServer,
    axe: Callable[..., None],
    screenshot: Callable[..., Path],
) -> None:
    sign_in(page, live_server.admin_token)
    page.goto(INSIGHTS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    page.get_by_label("Period", exact=True).select_option("90")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/projects/demo/insights\?period=90&"))

    csv = page.get_by_role("link", name="DORA measures").get_attribute("href")
    assert csv is not None
    query = parse_qs(urlsplit(csv).query)  # the page's period, to the microsecond
    assert (query["grain"], query["format"]) == (["week"], ["csv"])
    period = parse_period({"from": query["from"][0], "to": query["to"][0]}, utc_now())
    assert period.end - period.start == timedelta(days=90)
    dora = dora_measures(live_server.store, "demo", period)
    for name in BANDED:
        expect(page.locator(".measure").filter(has_text=name).locator(".badge")).to_be_visible()
    failures = dora["change_failure_rate"]
    rate = f"{failures['rate'] * 100:.1f} % ({failures['failures']} of {failures['deployments']})"
    assert _measure(page, "Change failure rate").startswith(f"Change failure rate\n{rate}")
    frequency = dora["deployment_frequency"]
    assert f"({frequency['total']} verified" in _measure(page, "Deployment frequency")

    releases = release_measures(live_server.store, "demo", period)
    assert releases["release_lead_time"]["count"] >= 1
    lead = _measure(page, "Release lead time")
    assert "no data" not in lead and f"{releases['release_lead_time']['count']} release" in lead
    failed = releases["failed_releases"]
    assert _measure(page, "Failed releases").startswith(f"Failed releases\n{failed['count']} of")
    table = page.get_by_role("table", name="Failed releases")
    expect(table.get_by_role("row").filter(has_text="semantic-search")).to_contain_text("guard")

    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(7)  # five trends, the lead times, dark code
    weeks = len(dora["deployment_frequency"]["series"])
    expect(page.locator("#trend-frequency rect.chart-bar")).to_have_count(
        sum(1 for week in dora["deployment_frequency"]["series"] if week["deployments"])
    )
    assert weeks >= 12
    outside = page.evaluate(OUTSIDE)
    assert outside == [], f"chart labels cut off at the chart's edge: {outside}"
    page.get_by_role("heading", name="Trends").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -16)")
    screenshot(page, "console-insights-trends", docs_image="console-insights-trends")
    axe(page)
