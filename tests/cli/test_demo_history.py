"""The demo's history: months of deployments, releases and incidents before its
present, which leave the present (matrix, draft release, dark code) as it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from premiere.cli.server.demo import DEMO_PROJECT, DEPLOYMENTS, RELEASE, seed_demo
from premiere.cli.server.demo_history import seed_history
from premiere.services.deployments.darkcode import list_dark_code
from premiere.services.deployments.matrix import get_environment_matrix
from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import Period
from premiere.services.insights.releases import release_measures
from premiere.services.releases.records import get_release
from premiere.store import Store
from premiere.store.models import AuditEvent
from premiere.store.types import utc_now

# The history ends at a fixed Wednesday noon, so which weekdays begin and end it (and
# so what its first and last weeks hold) is the same whatever day the tests run.
UNTIL = datetime(2026, 11, 18, 12, tzinfo=UTC)


@pytest.fixture
def seeded(store: Store) -> dict[str, Any]:
    made = seed_demo(store, history_until=UNTIL)
    assert made is not None
    return made


def _period(days: int = 120) -> Period:
    end = UNTIL + timedelta(minutes=1)
    return Period(end - timedelta(days=days), end, "week")


MOMENTS = {
    "id",
    "deployment_id",
    "since",
    "verified_at",
    "created_at",
    "updated_at",
    "at",
    "dormant_since",
    "seconds",
    "first_finished_at",
    "start_at",
    "due_at",
}


def _timeless(value: Any) -> Any:
    """``value`` without ids and moments (they differ between two seeds)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in MOMENTS}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def _present(store: Store) -> dict[str, Any]:
    return _timeless({
        "matrix": get_environment_matrix(store, DEMO_PROJECT),
        "release": get_release(store, DEMO_PROJECT, str(RELEASE["key"])),
        "dark": list_dark_code(store, DEMO_PROJECT),
    })  # fmt: skip


def test_seed_history__demo__deployments_every_week_with_failures_and_recovery(
    store: Store, seeded: dict[str, Any]
) -> None:
    measures = dora_measures(store, DEMO_PROJECT, _period())
    weeks = measures["deployment_frequency"]["series"]
    assert len(weeks) >= 17
    assert all(week["deployments"] > 0 for week in weeks)
    assert measures["change_failure_rate"]["rate"] > 0
    assert measures["recovery_time"]["count"] > 0
    assert measures["lead_time"]["median_seconds"] > 3600
    assert measures["rework_rate"]["rework"] > 0
    for name in ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time"):
        assert measures[name]["band"] is not None


def test_seed_history__demo__finished_releases_and_one_guard_rollback(
    store: Store, seeded: dict[str, Any]
) -> None:
    measures = release_measures(store, DEMO_PROJECT, _period())
    assert measures["release_lead_time"]["count"] >= 2
    failed = measures["failed_releases"]
    by = {item["release"] or item["flag"]: item["by"] for item in failed["items"]}
    assert by["semantic-search"] == "guard"
    assert "incident" in by.values()
    assert failed["releases"] >= 3
    assert measures["guard_reaction"]["count"] == 1
    assert measures["guard_reaction"]["max_seconds"] < 60


def test_seed_history__demo__present_unchanged_from_a_demo_without_history(
    store: Store, seeded: dict[str, Any], tmp_path: Path
) -> None:
    plain = Store.open(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        assert seed_demo(plain) is not None
        assert _present(store) == _present(plain)
    finally:
        plain.close()
    assert get_release(store, DEMO_PROJECT, "semantic-search")["state"] == "rolled_back"


def test_seed_history__twice__adds_nothing_the_second_time(
    store: Store, seeded: dict[str, Any]
) -> None:
    before = dora_measures(store, DEMO_PROJECT, _period())["deployment_frequency"]["total"]
    assert seed_history(store, DEMO_PROJECT, now=utc_now()) is None
    after = dora_measures(store, DEMO_PROJECT, _period())["deployment_frequency"]["total"]
    assert after == before


def test_seed_history__demo__audited_as_the_demo(store: Store, seeded: dict[str, Any]) -> None:
    with store.read() as session:
        actors = session.execute(
            select(AuditEvent.actor_kind, AuditEvent.actor_id, func.count())
            .where(AuditEvent.project == DEMO_PROJECT, AuditEvent.action == "deployment.recorded")
            .group_by(AuditEvent.actor_kind, AuditEvent.actor_id)
        ).all()
    assert [(kind, who) for kind, who, _ in actors] == [("system", "demo")]
    own = sum(len(environments) for _, _, _, environments, _ in DEPLOYMENTS)
    assert actors[0][2] == seeded["history"]["deployments"] + own
