"""A project's timeline over 200,000 audit events: the first page and its filters.

Setup bulk-loads 50,000 deployments as ``deployments_bench.py`` does (20 services x 3
environments), then 200,000 audit events of project ``bench`` through the store, in
one interleaved stream as a busy project would write them: half about deployments (of
the loaded deployments, recorded then a status), the rest flag changes, release
actions, notes, approvals, guard decisions, changes to other resources, and an
incident every 2,000 events; plus 20,000 events of another project. Then, each the
median and 95th percentile of R calls after a warm-up:

- the service call ``list_timeline`` (50 items): no filter; ``category=deployment``;
  ``category=flag&category=release``; the rare ``category=incident``; an environment;
  a service; the 10th page through cursors;
- ``GET /api/v1/projects/bench/timeline`` (50 items) through a real server on loopback.

    .venv/bin/python benchmarks/timeline_bench.py --db sqlite
    .venv/bin/python benchmarks/timeline_bench.py --db postgresql \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from console_data import analyze
from databases import database
from deployments_bench import ENVIRONMENTS, SERVICES, load, ok, report, serving, timed
from premiere.services.insights.timeline import list_timeline
from premiere.services.people import tokens
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.models import AuditEvent

BATCH = 10_000
RELEASE = {"name": "Checkout v2", "state": "rolling_out", "stage": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description="the timeline's pages over many audit events")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--deployments", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    with database(args.db, args.postgres_url) as url:
        store = Store.open(url)
        try:
            run(store, args)
        finally:
            store.close()


def run(store: Store, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    load(store, args.deployments)
    load_events(store, args.events)
    with store.read() as session:
        total = session.scalar(select(func.count()).select_from(AuditEvent))
    print(
        f"{store.dialect}: {total:,} audit events loaded in {time.perf_counter() - started:.1f} s"
    )
    calls: dict[str, Callable[[], object]] = {
        "first page": lambda: list_timeline(store, "bench"),
        "category=deployment": lambda: list_timeline(store, "bench", categories=["deployment"]),
        "category=flag,release": lambda: list_timeline(
            store, "bench", categories=["flag", "release"]
        ),
        "category=incident (rare)": lambda: list_timeline(store, "bench", categories=["incident"]),
        "environment=production": lambda: list_timeline(store, "bench", environment="production"),
        "service=svc-07": lambda: list_timeline(store, "bench", service="svc-07"),
        "10th page (cursors)": lambda: tenth_page(store),
    }
    for name, call in calls.items():
        report(f"{name} (service call)", timed(call, args.reps))
    admin = tokens.ensure_admin_token(store, "bench-admin-token")
    assert admin is None or admin == "bench-admin-token"
    headers = {"Authorization": "Bearer bench-admin-token"}
    with serving(store) as base, httpx.Client(base_url=base, headers=headers) as client:
        url = f"{base}/api/v1/projects/bench/timeline"
        assert len(ok(client.get(url))["items"]) == 50
        report("first page (HTTP GET)", timed(lambda: ok(client.get(url)), args.reps))
        deployments = f"{url}?category=deployment&environment=production"
        report(
            "deployments in production (HTTP GET)",
            timed(lambda: ok(client.get(deployments)), args.reps),
        )


def tenth_page(store: Store) -> object:
    cursor = None
    for _ in range(10):
        page = list_timeline(store, "bench", cursor=cursor)
        cursor = page["next_cursor"]
    return page


def load_events(store: Store, count: int) -> None:
    """``count`` events of project ``bench`` and a tenth as many of project ``other``."""
    with store.read() as session:
        last = int(session.scalar(select(func.max(Deployment.id))) or 1)
    start = datetime.now(UTC) - timedelta(days=365)
    for low in range(0, count, BATCH):
        rows = [event(n, last, start + timedelta(seconds=n * 150)) for n in range(low, low + BATCH)]
        rows = rows[: max(0, count - low)]
        rows += [{**row, "project": "other"} for row in rows[5::10]]
        with store.write() as session:
            session.execute(insert(AuditEvent), rows)
    analyze(store)


def event(number: int, deployments: int, at: datetime) -> dict[str, Any]:
    """The ``number``-th event of the stream (outside the audit chain: never verified)."""
    environment = ENVIRONMENTS[number % len(ENVIRONMENTS)]
    base = {"at": at, "actor_kind": "token", "actor_id": "ci", "actor_name": "ci"}
    base |= {"project": "bench", "environment": environment, "before": None}
    service = f"svc-{number % SERVICES:02d}"
    kind = number % 10
    if number % 2_000 == 0:
        return base | change("incident.opened", f"inc-{number}", {"title": "Checkout errors"})
    if kind < 5:
        ident = str(1 + (number * 7919) % deployments)
        if kind % 2:
            after = {"status": "succeeded", "verified": True}
            return base | change("deployment.status_changed", ident, after)
        after = {"service": service, "version": "1.0.0", "status": "in_progress"}
        return base | change("deployment.recorded", ident, after)
    if kind < 7:
        flag = {"key": f"flag-{number % 500}", "on": bool(number % 3)}
        return base | change("flag_config.updated", flag["key"], flag, {"on": not flag["on"]})
    if kind == 7:
        return base | change("release.advanced", "checkout-v2", RELEASE)
    if kind == 8:
        action = ("note.published", "release.approved", "release.paused")[number // 10 % 3]
        guard = {"actor_kind": "system", "actor_id": "guard"} if action == "release.paused" else {}
        return base | guard | change(action, "checkout-v2", RELEASE)
    return base | change("service.updated", service, {"name": "Service"}) | {"environment": None}


def change(action: str, key: str, after: Any, before: Any = None) -> dict[str, Any]:
    resource = {"flag_config": "flag"}.get(action.partition(".")[0], action.partition(".")[0])
    return {"action": action, "resource_type": resource, "resource_key": key,
            "after": after, "before": before}  # fmt: skip


if __name__ == "__main__":
    main()
