"""Every measure of docs/insights.md's worked example, as computed by hand there, on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from premiere.services.insights.releases import release_measures
from premiere.store import Store
from tests.insights.history import PERIOD, PROJECT, at, build_history

WEEKS = ["2026-03-02", "2026-03-09", "2026-03-16"]


@pytest.fixture
def dora(store: Store) -> dict[str, Any]:
    build_history(store)
    return dora_measures(store, PROJECT, parse_period(PERIOD, at(23, 0)))


@pytest.fixture
def releases(store: Store) -> dict[str, Any]:
    build_history(store)
    return release_measures(store, PROJECT, parse_period(PERIOD, at(23, 0)))


def test_dora_deployment_frequency__worked_example__as_the_doc(dora: dict[str, Any]) -> None:
    frequency = dora["deployment_frequency"]
    assert [s["deployments"] for s in frequency["series"]] == [4, 4, 3]
    assert [s["bucket"] for s in frequency["series"]] == WEEKS
    assert (frequency["total"], frequency["per_day"], frequency["days_deployed"]) == (11, 0.5238, 9)
    assert (frequency["four_keys"], frequency["band"]) == ("daily", "elite")


def test_dora_lead_time__worked_example__as_the_doc(dora: dict[str, Any]) -> None:
    lead = dora["lead_time"]
    assert (lead["count"], lead["median_seconds"], lead["p90_seconds"]) == (9, 7200, 51840)
    assert lead["band"] == "elite"
    assert [(s["count"], s["median_seconds"], s["p90_seconds"]) for s in lead["series"]] == [
        (3, 10800, 19440),
        (3, 7200, 7200),
        (3, 43200, 77760),
    ]


def test_dora_lead_time_distribution__worked_example__as_the_doc(dora: dict[str, Any]) -> None:
    assert [(r["range"], r["count"]) for r in dora["lead_time"]["distribution"]] == [
        ("under 1 hour", 1),
        ("1 hour to 1 day", 7),
        ("1 day to 1 week", 1),
        ("1 week to 30 days", 0),
        ("30 days or more", 0),
    ]


def test_dora_change_failure_rate__worked_example__as_the_doc(dora: dict[str, Any]) -> None:
    failures = dora["change_failure_rate"]
    assert (failures["deployments"], failures["failures"], failures["rate"]) == (12, 2, 0.1667)
    assert failures["band"] == "low"
    assert [s["rate"] for s in failures["series"]] == [0.0, 0.4, 0.0]


def test_dora_recovery_time__worked_example__as_the_doc(dora: dict[str, Any]) -> None:
    recovery = dora["recovery_time"]
    assert (recovery["count"], recovery["median_seconds"], recovery["unrestored"]) == (2, 8100, 0)
    assert recovery["band"] == "high"
    assert [s["median_seconds"] for s in recovery["series"]] == [None, 8100, None]


def test_dora_rework_rate__worked_example__as_the_doc(dora: dict[str, Any]) -> None:
    rework = dora["rework_rate"]
    assert (rework["deployments"], rework["rework"], rework["rate"], rework["band"]) == (
        12, 3, 0.25, None,
    )  # fmt: skip
    assert [s["rework"] for s in rework["series"]] == [0, 3, 0]


def test_release_lead_time__worked_example__as_the_doc(releases: dict[str, Any]) -> None:
    lead = releases["release_lead_time"]
    assert (lead["count"], lead["median_seconds"]) == (1, 1_209_600)
    assert lead["items"][0]["release"] == "checkout"


def test_exposure_lead_time__worked_example__as_the_doc(releases: dict[str, Any]) -> None:
    exposure = releases["exposure_lead_time"]
    rows = [
        (i["flag"], i["commit_to_exposure_seconds"], i["exposure_to_all_seconds"])
        for i in exposure["items"]
    ]
    assert rows == [
        ("new-checkout", 266_400, 950_400),
        ("dark-mode", 604_800, None),
        ("search-v2", 183_600, None),
        ("promo-banner", None, None),
    ]
    assert exposure["median"] == {
        "commit_to_exposure_seconds": 266_400,
        "exposure_to_all_seconds": 950_400,
        "commit_to_all_seconds": 1_216_800,
    }


def test_dark_code_age__worked_example__as_the_doc(releases: dict[str, Any]) -> None:
    dark = releases["dark_code_age"]
    assert (dark["count"], dark["median_days"], dark["oldest_days"]) == (3, 5, 19)
    assert [r["flags"] for r in dark["ranges"]] == [0, 2, 1, 0, 0]


def test_failed_releases__worked_example__as_the_doc(releases: dict[str, Any]) -> None:
    failed = releases["failed_releases"]
    assert [(i["release"], i["by"]) for i in failed["items"]] == [
        ("dark-mode", "guard"),
        ("banner", "hand"),
        ("search", "incident"),
    ]
    assert (failed["count"], failed["releases"], failed["rate"]) == (3, 4, 0.75)


def test_guard_reaction__worked_example__as_the_doc(releases: dict[str, Any]) -> None:
    reaction = releases["guard_reaction"]
    assert (reaction["count"], reaction["median_seconds"], reaction["max_seconds"]) == (1, 2, 2)
