"""The releases calendar (month and week) and the guard charts drawn from decisions."""

from __future__ import annotations

import re

from premiere.console.releases.chart import guard_charts
from premiere.services import SYSTEM
from premiere.services.releases import records, schedules
from premiere.services.releases.guard_stats import Arm, GuardParameters, evaluate_guard

from .conftest import Console

CALENDAR = "/projects/demo/releases/calendar"


def _cell(html: str, day: str) -> str:
    found = re.search(rf'<time datetime="{day}" class="calendar-day">.*?</td>', html, re.S)
    assert found, day
    return found.group(0)


def _plan_calendar(demo: Console) -> None:
    version = records.get_release(demo.store, "demo", "recommendations-v2")["version"]
    records.update_release(
        demo.store,
        SYSTEM,
        "demo",
        "recommendations-v2",
        {"schedule": {"start_at": "2026-12-09T10:30:00Z"}},
        version,
    )
    cadence = {
        "interval_weeks": 1,
        "weekday": "tuesday",
        "time": "09:00",
        "timezone": "UTC",
        "anchor": "2026-12-01",
    }
    schedules.create_release_train(
        demo.store, SYSTEM, "demo", {"key": "weekly", "name": "Weekly", "cadence": cadence}
    )
    schedules.create_freeze_window(
        demo.store,
        SYSTEM,
        "demo",
        {
            "environment": "production",
            "start": "2026-12-24T00:00:00Z",
            "end": "2026-12-26T12:00:00Z",
            "reason": "holidays",
        },
    )


def test_calendar__month__releases_trains_and_freezes_on_their_days(demo: Console) -> None:
    _plan_calendar(demo)
    html = demo.client.get(CALENDAR).text  # the clock's month: December 2026
    assert "<h1>Release calendar: December 2026</h1>" in html
    assert "10:30 Recommendations v2" in _cell(html, "2026-12-09")
    for tuesday in ("2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22", "2026-12-29"):
        assert "09:00 train Weekly departs" in _cell(html, tuesday)
    assert "train" not in _cell(html, "2026-12-02")
    for day in ("2026-12-24", "2026-12-25", "2026-12-26"):
        assert "Freeze</strong> production: holidays" in _cell(html, day)
    assert "Freeze" not in _cell(html, "2026-12-27")
    assert 'href="/projects/demo/releases/calendar?view=month&amp;date=2026-11-01"' in html
    assert 'href="/projects/demo/releases/calendar?view=month&amp;date=2027-01-01"' in html
    assert html.count("<tr>") == 1 + 5  # the head and five weeks, Monday to Sunday


def test_calendar__week__seven_days_with_prev_next(demo: Console) -> None:
    _plan_calendar(demo)
    html = demo.client.get(CALENDAR, params={"view": "week", "date": "2026-12-10"}).text
    assert "Week of 2026-12-07" in html
    assert html.count('class="calendar-day"') == 7
    assert "10:30 Recommendations v2" in _cell(html, "2026-12-09")
    assert "09:00 train Weekly departs" in _cell(html, "2026-12-08")
    assert 'date=2026-11-30" rel="prev"' in html
    assert 'date=2026-12-14" rel="next"' in html


def test_calendar__nothing_planned__says_what_to_do(demo: Console) -> None:
    html = demo.client.get(CALENDAR, params={"date": "2030-02-01"}).text
    assert "Nothing is planned in this month" in html


def test_calendar__bad_view_or_date__422_page_not_500(demo: Console) -> None:
    for params in ({"view": "year"}, {"date": "yesterday"}, {"date": "x" * 40}):
        answer = demo.client.get(CALENDAR, params=params)
        assert answer.status_code in (422,), params
        assert answer.headers["content-type"].startswith("text/html")


def _decision(at: str, treatment: int, control: int, action: str | None) -> dict[str, object]:
    result = evaluate_guard(
        Arm(1000, treatment), Arm(1000, control), GuardParameters(minimum_sample=100)
    )
    status = {"regression": "regressed", "healthy": "healthy"}.get(
        result.served_verdict, "insufficient"
    )
    details = {"guard": 0, **result.to_dict(), "action": action}
    return {"at": at, "stage": 1, "status": status, "details": details}


def test_guard_chart__decisions__lines_band_markers_and_table() -> None:
    guards = [
        {"metric": "errors", "aggregate": "rate"},
        {"metric": "event", "event": "latency", "aggregate": "mean"},
    ]
    decisions = [
        _decision("2026-12-01T10:00:00Z", 10, 10, None),
        _decision("2026-12-01T11:00:00Z", 80, 10, "rollback"),
    ]
    first, second = guard_charts(guards, decisions)
    assert first.metric == "errors (rate)" and second.metric == "event latency (mean)"
    assert [look.status for look in first.looks] == ["healthy", "regressed"]
    assert first.looks[1].treatment == 0.08 and first.looks[1].control == 0.01
    assert first.looks[1].low is not None and first.looks[1].low > 0  # worse, for sure
    assert len(first.points["treatment"].split()) == 2
    assert len(first.band.split()) == 4  # upper and lower edge at each look
    assert first.markers[1]["y"] < first.markers[0]["y"]  # a higher rate is drawn higher
    assert second.looks == [] and second.markers == []


def test_release_page__guard_decisions__svg_chart_with_title_desc_and_table(
    demo: Console,
) -> None:
    for decision in (
        _decision("2026-12-01T10:00:00Z", 10, 10, None),
        _decision("2026-12-01T11:00:00Z", 80, 10, None),
    ):
        records.record_guard_decision(demo.store, "demo", "recommendations-v2", decision)
    html = demo.client.get("/projects/demo/releases/recommendations-v2/fragments/progress").text
    svg = re.search(r"<svg .*?</svg>", html, re.S)
    assert svg, html
    chart = svg.group(0)
    assert 'role="img"' in chart
    assert (
        '<title id="guard-0-title">Guard 1: errors (rate), treatment against control</title>'
        in chart
    )
    assert "latest verdict is regressed" in chart
    assert chart.count('class="chart-marker chart-marker--') == 2
    assert 'class="chart-marker chart-marker--regressed"' in chart
    assert 'class="chart-band"' in chart and 'class="chart-treatment"' in chart
    assert "0.08 (n 1000)" in html and "0.01 (n 1000)" in html  # the data table
    assert "style=" not in chart  # colours from the stylesheet (CSP, dark mode)
