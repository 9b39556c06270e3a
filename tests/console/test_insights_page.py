"""The insights page over the worked example of docs/insights.md (project ``shop``):
the numbers the services compute, filters as a GET form, refused filters, who sees it."""

from __future__ import annotations

import re
from html import unescape

import pytest

from premiere.console.pages import counted
from premiere.services import SYSTEM
from premiere.services.environments import create_environment
from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from premiere.services.insights.releases import release_measures
from premiere.services.people import accounts
from premiere.services.people.sessions import start_person_session
from premiere.services.projects import create_project
from premiere.store.types import utc_now
from tests.insights.history import PERIOD, PROJECT, build_history

from .conftest import Console

PAGE = f"/projects/{PROJECT}/insights"
MARCH = {"period": "custom", "from": "2026-03-02", "to": "2026-03-23", "grain": "week"}


@pytest.fixture
def shop(console: Console) -> Console:
    build_history(console.store)
    console.sign_in()
    return console


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def measure(html: str, name: str) -> str:
    found = re.search(rf"<dt>{name}</dt><dd>(.*?)</dd>", html, re.S)
    assert found is not None, name
    return text_of(found.group(1)).strip()


def test_insights_page__worked_example__numbers_and_bands_as_the_service(shop: Console) -> None:
    answer = shop.client.get(PAGE, params=MARCH)
    assert answer.status_code == 200
    html = answer.text
    dora = dora_measures(shop.store, PROJECT, parse_period(PERIOD, utc_now()))
    assert "<h1>Insights</h1>" in html
    frequency = measure(html, "Deployment frequency")
    assert frequency.startswith(f"{dora['deployment_frequency']['per_day']:g} a day")
    assert f"{dora['deployment_frequency']['total']} verified" in frequency
    assert frequency.endswith("elite")
    assert measure(html, "Lead time for changes") == (
        "2 h 0 min median (p90 14 h 24 min, 9 deployments) elite"
    )  # median 7200 s, p90 51840 s
    assert measure(html, "Change failure rate") == "16.7 % (2 of 12) low"
    assert measure(html, "Failed deployment recovery time").startswith("2 h 15 min median")
    rework = dora["rework_rate"]
    assert measure(html, "Deployment rework rate") == (
        f"{rework['rate'] * 100:.1f} % ({rework['rework']} of 12; no band)"
    )
    assert 'aria-current="page">Insights</a>' in html


def test_insights_page__worked_example__charts_drawn_with_a_table_of_their_numbers(
    shop: Console,
) -> None:
    html = shop.client.get(PAGE, params=MARCH).text
    dora = dora_measures(shop.store, PROJECT, parse_period(PERIOD, utc_now()))
    assert html.count('role="img"') == 7  # five trends, lead times, dark code
    weekly = [s["deployments"] for s in dora["deployment_frequency"]["series"]]
    for bucket, count in zip(("2026-03-02", "2026-03-09", "2026-03-16"), weekly, strict=True):
        assert f"<tr><td>{bucket}</td><td>{count}</td></tr>" in html
    distribution = {item["range"]: item["count"] for item in dora["lead_time"]["distribution"]}
    assert sum(distribution.values()) == 9
    for label, count in distribution.items():
        assert f"<tr><td>{label}</td><td>{count}</td></tr>" in html
    assert "<script" not in html.split("<main", 1)[1]


def test_insights_page__worked_example__release_measures_as_the_service(shop: Console) -> None:
    html = shop.client.get(PAGE, params=MARCH).text
    releases = release_measures(shop.store, PROJECT, parse_period(PERIOD, utc_now()))
    failed = releases["failed_releases"]
    assert measure(html, "Failed releases").startswith(
        f"{failed['count']} of {failed['releases']} releases ended"
    )
    assert measure(html, "Failed releases").endswith("against 2 failed deployments")
    for item in releases["exposure_lead_time"]["items"]:
        assert f"<td>{item['flag']}</td>" in html
    assert "Guard decision to document" in html


def test_insights_page__service_and_grain__filter_like_the_service(shop: Console) -> None:
    params = {**MARCH, "grain": "day", "service": "web"}
    html = shop.client.get(PAGE, params=params).text
    period = parse_period({**PERIOD, "grain": "day"}, utc_now())
    dora = dora_measures(shop.store, PROJECT, period, service="web")
    failures = dora["change_failure_rate"]
    assert measure(html, "Change failure rate").startswith(
        f"{failures['rate'] * 100:.1f} % ({failures['failures']} of {failures['deployments']})"
    )
    assert '<option value="web" selected>' in html
    assert '<option value="day" selected>' in html
    assert html.count("<tr><td>2026-03-") == 21 * 5  # a day a row, in each trend's table
    assert "/api/v1/projects/shop/insights/dora?from=2026-03-02T00%3A00%3A00.000000Z" in html
    assert "service=web&amp;format=csv" in html


def test_insights_page__one_deployment__counted_in_the_singular(shop: Console) -> None:
    one_day = {"period": "custom", "from": "2026-03-02", "to": "2026-03-03", "grain": "day"}
    html = shop.client.get(PAGE, params=one_day).text  # D1 alone
    assert measure(html, "Deployment frequency").startswith("1 a day (1 verified, on 1 day;")
    assert measure(html, "Lead time for changes") == (
        "2 h 0 min median (p90 2 h 0 min, 1 deployment) elite"
    )
    assert measure(html, "Failed releases").endswith("against 0 failed deployments")


def test_counted__whole_fractional_and_large__no_exponent() -> None:
    assert [counted(n, "day") for n in (0, 1, 1.0, 1.5, 2)] == [
        "0 days", "1 day", "1 day", "1.5 days", "2 days",
    ]  # fmt: skip
    assert counted(1_234_567, "deployment") == "1234567 deployments"


def test_insights_page__reversed_period__error_at_the_field_not_a_500(shop: Console) -> None:
    params = {"period": "custom", "from": "2026-03-23", "to": "2026-03-02"}
    answer = shop.client.get(PAGE, params=params)
    assert answer.status_code == 422
    assert 'href="#to"' in answer.text
    assert "must be later than from" in answer.text
    assert "Deployment frequency" not in answer.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"period": "7"}, "period", "must be 30, 90, 180 or 365 days, or custom"),
        ({"grain": "year"}, "grain", "must be one of"),
        ({"environment": "moon"}, "environment", "no such environment"),
        ({"from": "yesterday"}, "from", "must be an RFC 3339 date-time"),
    ],
)
def test_insights_page__bad_filter__named_at_its_field(
    shop: Console, params: dict[str, str], field: str, message: str
) -> None:
    answer = shop.client.get(PAGE, params=params)
    assert answer.status_code == 422
    assert f'href="#{field}"' in answer.text
    assert message in answer.text


def test_insights_page__viewer__sees_the_measures(shop: Console) -> None:
    with shop.store.write() as session:
        person = accounts.add_person(
            session, SYSTEM, email="viewer@example.com", name="Vera", password_hash=None,
            grants=[(PROJECT, "viewer")],
        )  # fmt: skip
        started = start_person_session(session, person, now=shop.clock())
    shop.client.cookies.set("premiere_session", started.raw_id)
    answer = shop.client.get(PAGE, params=MARCH)
    assert answer.status_code == 200
    assert measure(answer.text, "Change failure rate") == "16.7 % (2 of 12) low"


def test_insights_page__project_without_deployments__calm_empty_state(console: Console) -> None:
    create_project(console.store, SYSTEM, {"key": "quiet"})
    create_environment(console.store, SYSTEM, "quiet", {"key": "production", "production": True})
    console.sign_in()
    answer = console.client.get("/projects/quiet/insights")
    assert answer.status_code == 200
    assert "No deployment reached production in this period" in answer.text
    assert "Deployment frequency" not in answer.text
    assert "No release started in this period" in answer.text
