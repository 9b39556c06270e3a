"""What ``console_bench.py`` loads beside the deployments: flags, a release with guard
charts, and the audit events that recording the deployments would have written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from premiere.services import SYSTEM, environments
from premiere.services.flags import definitions
from premiere.services.releases import records
from premiere.services.releases.guard_stats import Arm, GuardParameters, evaluate_guard
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.models import AuditEvent, Environment

RELEASE = "checkout-v2"
BATCH = 5_000


def load_flags(store: Store, count: int) -> None:
    """``count`` flags, a third of them on with a 10 % rollout in the last environment."""
    environment = environments.list_environments(store, "bench")[-1]["key"]
    for number in range(count):
        key = f"flag-{number:05d}"
        data = {"key": key, "name": f"Flag {number}", "tags": [f"team-{number % 7}"]}
        definitions.create_flag(store, SYSTEM, "bench", data)
        if number % 3 == 0:
            weights = [{"variation": 0, "weight": 10_000}, {"variation": 1, "weight": 90_000}]
            rollout = {"bucket_by": "key", "variations": weights}
            config = {"on": True, "fallthrough": {"rollout": rollout}}
            definitions.update_flag_config(
                store, SYSTEM, "bench", key, environment, config, 1, partial=True
            )


def load_release(store: Store, decisions: int) -> None:
    """A release rolling out in production with two guards and ``decisions`` recorded
    decisions each (healthy or not enough data yet), and a draft waiting for a flag's
    code to be deployed."""
    plan = {
        "stages": [
            {"percent": 5, "hold_seconds": 3600, "advance": "manual"},
            {"percent": 25, "hold_seconds": 3600, "advance": "manual"},
            {"percent": 100, "hold_seconds": 0, "advance": "auto"},
        ]
    }
    guards = [
        {"metric": "errors", "aggregate": "rate", "max_regression": 0.1, "min_sample": 500},
        {"metric": "event", "event": "latency", "aggregate": "mean", "max_regression": 0.2},
    ]
    feature = {"flag": "flag-00001", "variation": 0, "min_versions": {"svc-00": "1.0.0"}}
    spec = {"key": RELEASE, "name": "Checkout v2", "environment": "production"}
    spec |= {"features": [feature], "plan": plan, "guards": guards, "required_approvals": 0}
    records.create_release(store, SYSTEM, "bench", spec)
    records.start_release(store, SYSTEM, "bench", RELEASE, {}, 1)
    start = datetime.now(UTC) - timedelta(hours=decisions)
    for number in range(decisions):
        at = (start + timedelta(hours=number)).isoformat().replace("+00:00", "Z")
        for guard in (0, 1):
            n = 200 * (number + 1)
            result = evaluate_guard(
                Arm(n, n * 0.010), Arm(n, n * 0.011), GuardParameters(minimum_sample=500)
            )
            status = "healthy" if result.served_verdict == "healthy" else "insufficient"
            details = {"guard": guard, **result.to_dict(), "action": None}
            decision = {"at": at, "stage": 0, "status": status, "details": details}
            records.record_guard_decision(store, "bench", RELEASE, decision)
    draft = {"key": "search-v3", "name": "Search v3", "environment": "staging"}
    draft |= {"features": [{"flag": "flag-00002", "variation": 0}], "plan": plan}
    records.create_release(store, SYSTEM, "bench", draft)


def load_audit_events(store: Store) -> int:
    """Two audit events per bulk-loaded deployment (recorded, then its status), as the
    ledger writes them; outside the audit chain (the benchmark never verifies it)."""
    with store.read() as session:
        envs = dict(session.execute(select(Environment.id, Environment.key)).tuples().all())
        last = session.scalar(select(Deployment.id).order_by(Deployment.id.desc()).limit(1))
    count = 0
    for low in range(0, int(last or 0), BATCH):
        with store.read() as session:
            rows = session.execute(
                select(
                    Deployment.id,
                    Deployment.environment_id,
                    Deployment.status,
                    Deployment.version,
                    Deployment.created_at,
                )
                .where(Deployment.id > low, Deployment.id <= low + BATCH)
                .order_by(Deployment.id)
            ).all()
        events: list[dict[str, Any]] = []
        for ident, env, status, version, at in rows:
            base = {"actor_kind": "token", "actor_id": "ci", "actor_name": "ci", "project": "bench"}
            base |= {"resource_type": "deployment", "resource_key": str(ident)}
            base |= {"environment": envs[env]}
            events.append(
                base
                | {"at": at, "action": "deployment.recorded", "before": None}
                | {"after": {"version": version, "status": "in_progress"}}
            )
            events.append(
                base
                | {"at": at + timedelta(seconds=60), "action": "deployment.status_changed"}
                | {"before": {"status": "in_progress"}, "after": {"status": status}}
            )
        with store.write() as session:
            session.execute(insert(AuditEvent), events)
        count += len(events)
    analyze(store)
    return count


def analyze(store: Store) -> None:
    """Fresh planner statistics after a bulk load."""
    if store.dialect == "postgresql":
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with store.write() as session:
            session.execute(text("ANALYZE"))
