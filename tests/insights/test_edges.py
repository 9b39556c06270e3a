"""Edge cases of the measures: an empty period, a service filter, commit times that
cannot count, a rollback followed by a fix, a flag turned off."""

from __future__ import annotations

from datetime import UTC, datetime

from premiere.services.insights import bands
from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import bucket_labels, parse_period
from premiere.services.insights.releases import release_measures
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.models import Environment
from tests.insights.history import PERIOD, PROJECT, at, build_history

NOW = datetime(2026, 3, 23, tzinfo=UTC)


def test_dora__empty_period__zero_counts_no_medians_no_bands(store: Store) -> None:
    build_history(store)
    period = parse_period({"from": "2026-01-05", "to": "2026-01-19", "grain": "week"}, NOW)
    measures = dora_measures(store, PROJECT, period)
    assert measures["deployment_frequency"]["total"] == 0
    assert measures["deployment_frequency"]["four_keys"] == "yearly"
    assert measures["lead_time"]["median_seconds"] is None
    assert measures["lead_time"]["band"] is None
    assert measures["change_failure_rate"]["rate"] is None
    assert [s["bucket"] for s in measures["rework_rate"]["series"]] == ["2026-01-05", "2026-01-12"]


def test_dora__service_filter__counts_that_service_alone(store: Store) -> None:
    build_history(store)
    measures = dora_measures(store, PROJECT, parse_period(PERIOD, NOW), service="web")
    # D2, D4, D8, D9, D11; D8 named by an incident, restored by D9 four hours later
    assert measures["change_failure_rate"]["deployments"] == 5
    assert measures["change_failure_rate"]["failures"] == 1
    assert measures["recovery_time"]["median_seconds"] == 14_400


def test_dora__commit_after_verification__left_out_of_lead_time(store: Store) -> None:
    build_history(store)
    with store.write() as session:
        row = session.query(Deployment).filter_by(version="1.4.0").one()
        row.commit_time = at(21, 8)  # after its verification: a clock skew
    measures = dora_measures(store, PROJECT, parse_period(PERIOD, NOW))
    assert measures["lead_time"]["count"] == 8
    assert measures["deployment_frequency"]["total"] == 11


def test_dora__rollback_then_fix__both_rework_failure_restored_by_the_rollback(
    store: Store,
) -> None:
    build_history(store)
    period = parse_period({"from": "2026-03-09", "to": "2026-03-10", "grain": "day"}, NOW)
    measures = dora_measures(store, PROJECT, period, service="api")
    # D5 failed, D6 rolled it back half an hour later, D7 fixed it
    assert measures["change_failure_rate"]["failures"] == 1
    assert measures["rework_rate"]["rework"] == 2
    assert measures["recovery_time"]["median_seconds"] == 1_800


def test_dora__environment_filter__staging_counts_its_own(store: Store) -> None:
    build_history(store)
    measures = dora_measures(store, PROJECT, parse_period(PERIOD, NOW), environment="staging")
    assert measures["environments"] == ["staging"]
    assert measures["deployment_frequency"]["total"] == 1


def test_failed_releases__flag_off_incident__not_a_failed_deployment(store: Store) -> None:
    build_history(store)
    period = parse_period({"from": "2026-03-19", "to": "2026-03-20", "grain": "day"}, NOW)
    assert dora_measures(store, PROJECT, period)["change_failure_rate"]["failures"] == 0
    failed = release_measures(store, PROJECT, period)["failed_releases"]
    assert [(i["release"], i["by"]) for i in failed["items"]] == [("search", "incident")]


def test_bucket_labels__month_grain__months_the_period_touches() -> None:
    period = parse_period({"from": "2025-12-15", "to": "2026-02-01", "grain": "month"}, NOW)
    assert bucket_labels(period) == ["2025-12-01", "2026-01-01"]


def test_four_keys_frequency__one_deployment_a_fortnight__monthly() -> None:
    days = [datetime(2026, 3, d, tzinfo=UTC).date() for d in range(2, 30)]
    fortnightly = {days[0], days[14]}  # weeks 1 and 3 of 4: the median week has none
    assert bands.four_keys_frequency(days, fortnightly) == "monthly"
    assert bands.four_keys_frequency(days, {days[0], days[7], days[14]}) == "weekly"
    assert bands.four_keys_frequency(days, {days[0], days[1], days[2]}) == "monthly"
    assert bands.four_keys_frequency(days, set()) == "yearly"


def test_bands__thresholds__as_documented() -> None:
    assert bands.lead_time_band(86_399) == "elite"
    assert bands.lead_time_band(86_400) == "high"
    assert bands.recovery_band(3_600) == "high"
    assert bands.failure_rate_band(0.05) == "elite"
    assert bands.failure_rate_band(0.151) == "low"


def test_dora__two_production_environments__both_counted_each_deployment_once(
    store: Store,
) -> None:
    build_history(store)
    with store.write() as session:
        staging = session.query(Environment).filter_by(key="staging").one()
        staging.production = True
    measures = dora_measures(store, PROJECT, parse_period(PERIOD, NOW))
    assert measures["environments"] == ["staging", "production"]
    # the worked example's 11 verified in production, and S1 in staging the same week
    assert measures["deployment_frequency"]["total"] == 12
    assert measures["change_failure_rate"]["deployments"] == 13  # D1 to D12, and S1
    assert measures["change_failure_rate"]["failures"] == 2  # D5 and D8, once each
    weeks = {s["bucket"]: s["deployments"] for s in measures["deployment_frequency"]["series"]}
    assert weeks["2026-03-16"] == 4  # D10, D11, D12 and S1


def test_dora__period_ending_mid_day__later_deployments_that_day_left_out(store: Store) -> None:
    build_history(store)
    # D12 finished on 2026-03-20 at 20:00, after the period's end at noon
    period = {"from": "2026-03-16T00:00:00Z", "to": "2026-03-20T12:00:00Z", "grain": "day"}
    measures = dora_measures(store, PROJECT, parse_period(period, NOW))
    assert measures["deployment_frequency"]["total"] == 2  # D10 and D11
    assert [s["bucket"] for s in measures["deployment_frequency"]["series"]][-1] == "2026-03-20"
    starting_at_noon = {**period, "from": "2026-03-20T12:00:00Z", "to": "2026-03-21T00:00:00Z"}
    assert (
        dora_measures(store, PROJECT, parse_period(starting_at_noon, NOW))["deployment_frequency"][
            "total"
        ]
        == 1
    )  # D12 alone
