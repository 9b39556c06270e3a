"""The DORA gauges of ``/metrics``: the five measures of each project over the last 30
days, as ``dora_measures`` computes them, in a scrape that Prometheus' parser reads."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from premiere.services.insights.dora import dora_measures
from premiere.services.insights.gauges import dora_gauges
from premiere.services.insights.periods import Period
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.types import utc_now
from tests.api.support import Api
from tests.insights.history import PROJECT, at

END = at(23, 0)  # the worked example's last day ends: its 30 days hold all of it
NAMES = {
    "premiere_dora_deployment_frequency_per_day": ("deployment_frequency", "per_day"),
    "premiere_dora_lead_time_median_seconds": ("lead_time", "median_seconds"),
    "premiere_dora_change_failure_rate": ("change_failure_rate", "rate"),
    "premiere_dora_recovery_time_median_seconds": ("recovery_time", "median_seconds"),
    "premiere_dora_rework_rate": ("rework_rate", "rate"),
}


def expected(store: Store) -> dict[str, float]:
    measures = dora_measures(store, PROJECT, Period(END - timedelta(days=30), END, "month"))
    return {name: float(measures[m][key]) for name, (m, key) in NAMES.items()}


def test_dora_gauges__worked_example__the_services_measures_per_project(shop: Api) -> None:
    families = {family.name: family for family in dora_gauges(shop.store, now=END)}
    assert set(families) == set(NAMES)
    found = {name: family.samples[(PROJECT,)] for name, family in families.items()}
    assert found == expected(shop.store)
    assert found["premiere_dora_lead_time_median_seconds"] == 7200
    assert found["premiere_dora_change_failure_rate"] == 0.1667
    assert found["premiere_dora_recovery_time_median_seconds"] == 8100
    assert all(family.labels == ("project",) for family in families.values())


def test_dora_gauges__nothing_in_the_last_30_days__frequency_zero_and_no_other_sample(
    shop: Api,
) -> None:
    later = END + timedelta(days=60)
    found = {family.name: family.samples for family in dora_gauges(shop.store, now=later)}
    assert found.pop("premiere_dora_deployment_frequency_per_day") == {(PROJECT,): 0.0}
    assert found == {name: {} for name in found}


def test_metrics__dora_gauges__parsed_by_prometheus_client(shop: Api) -> None:
    # Given the worked example moved to end now (every moment shifted alike)
    wanted = expected(shop.store)
    shift = utc_now() - END
    with shop.store.write() as session:
        for row in session.scalars(select(Deployment)):
            for name in ("commit_time", "finished_at", "verified_at", "started_at", "created_at"):
                moment = getattr(row, name)
                if moment is not None:
                    setattr(row, name, moment + shift)
    # When /metrics is scraped
    answer = shop.get("/metrics")
    assert answer.status_code == 200
    # Then each DORA gauge has the project's value
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(answer.text)
        if family.name in NAMES
        for sample in family.samples
        if sample.labels == {"project": PROJECT}
    }
    assert found == wanted
