"""Delivery insights at scale: the DORA and release-aware measures over a year.

Setup bulk-loads N deployments (default 100,000) over the year 2026 through the store:
10 services x 2 environments (staging, production), one every ~5 minutes; about 4 %
fail verification (half of those rolled back by the next one), 5 % are fixes, 90 % carry
a commit time, each carries one of 50 flag keys; 200 releases (a tenth rolled back by a
guard, with a decision and a flag document change), 500 incidents (some naming a
deployment, some a flag turned off). Then it times each insight, through the service
function (what the API's route calls), R times: median and 95th percentile.

    .venv/bin/python benchmarks/insights_bench.py --db sqlite
    .venv/bin/python benchmarks/insights_bench.py --db postgresql \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from console_data import analyze
from databases import database
from premiere.services import SYSTEM
from premiere.services.catalog import create_service
from premiere.services.environments import create_environment
from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from premiere.services.insights.releases import release_measures
from premiere.services.projects import create_project
from premiere.store import Store
from premiere.store.deployments import (
    Deployment,
    DeploymentFeature,
    day_number,
    lead_seconds,
)
from premiere.store.incidents import Incident
from premiere.store.models import Change, Environment, Project, Service
from premiere.store.releases import Release, ReleaseGuardDecision

YEAR = datetime(2026, 1, 1, tzinfo=UTC)
SERVICES = 10
FLAGS = 50
BATCH = 5_000
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description="delivery insights timings")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    with database(args.db, args.postgres_url) as url:
        store = Store.open(url)
        try:
            started = time.perf_counter()
            load(store, args.deployments)
            print(
                f"{store.dialect}: loaded {args.deployments:,} deployments "
                f"in {time.perf_counter() - started:.1f} s"
            )
            run(store, args.reps)
        finally:
            store.close()


def run(store: Store, reps: int) -> None:
    year = parse_period({"from": "2026-01-01", "to": "2027-01-01", "grain": "month"}, NOW)
    weeks = parse_period({"from": "2026-01-01", "to": "2027-01-01", "grain": "week"}, NOW)
    quarter = parse_period({"from": "2026-10-01", "to": "2027-01-01", "grain": "day"}, NOW)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("dora, a year by month", lambda: dora_measures(store, "bench", year)),
        ("dora, a year by week", lambda: dora_measures(store, "bench", weeks)),
        ("dora, a quarter by day", lambda: dora_measures(store, "bench", quarter)),
        ("dora, a year, one service", lambda: dora_measures(store, "bench", weeks, service="s3")),
        ("releases, a year", lambda: release_measures(store, "bench", weeks)),
    ]
    for name, call in cases:
        report(name, timed(call, reps))


def timed(call: Callable[[], Any], reps: int) -> list[float]:
    call()  # warm
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:30} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def load(store: Store, count: int) -> None:
    create_project(store, SYSTEM, {"key": "bench"})
    create_environment(store, SYSTEM, "bench", {"key": "staging"})
    create_environment(store, SYSTEM, "bench", {"key": "production", "production": True})
    for n in range(SERVICES):
        create_service(store, SYSTEM, "bench", {"key": f"s{n}"})
    rng = random.Random(7)
    with store.write() as session:
        project = session.scalar(select(Project).where(Project.key == "bench"))
        assert project is not None
        envs = list(
            session.scalars(select(Environment.id).where(Environment.project_id == project.id))
        )
        services = list(session.scalars(select(Service.id).where(Service.project_id == project.id)))
    step = timedelta(days=365) / count
    rows: list[dict[str, Any]] = []
    features: list[dict[str, Any]] = []
    for n in range(count):
        rows.append(_deployment(rng, project.id, services, envs, YEAR + step * n, n))
        features.append(
            {"deployment_id": n + 1, "flag_key": f"f{n % FLAGS}", "project_id": project.id}
        )
        if len(rows) == BATCH:
            _flush(store, rows, features)
    _flush(store, rows, features)
    _releases(store, rng, project.id)
    if store.dialect == "postgresql":
        analyze(store)  # as autovacuum would after such a load; SQLite is left as is


def _deployment(
    rng: random.Random, project_id: int, services: list[int], envs: list[int], at: datetime, n: int
) -> dict[str, Any]:
    roll = rng.random()
    failed = roll < 0.04
    commit_time = at - timedelta(minutes=rng.randint(5, 3000)) if roll < 0.9 else None
    verified_at = None if failed else at + timedelta(seconds=30)
    return {
        "id": n + 1,
        "project_id": project_id,
        "service_id": services[n % len(services)],
        "environment_id": envs[(n // len(services)) % len(envs)],
        "version": f"1.{n // 1000}.{n % 1000}",
        "version_order": None,
        "commit_sha": "abcdef1",
        "commit_time": commit_time,
        "commits": [],
        "status": ("rolled_back" if roll < 0.02 else "failed") if failed else "succeeded",
        "actor_kind": "system",
        "actor_id": "bench",
        "actor_name": "bench",
        "log_excerpt": "",
        "log_truncated": False,
        "features": [f"f{n % FLAGS}"],
        "checks": [],
        "verification_status": "failed" if failed else "passed",
        "fix": 0.04 <= roll < 0.09,
        "created_at": at,
        "updated_at": at,
        "started_at": at,
        "finished_at": at,
        "verified_at": verified_at,
        "lead_seconds": lead_seconds(commit_time, verified_at),  # as the ORM row keeps them
        "finished_day": day_number(at),
    }


def _flush(store: Store, rows: list[dict[str, Any]], features: list[dict[str, Any]]) -> None:
    if rows:
        with store.write() as session:
            session.execute(insert(Deployment), rows)
            session.execute(insert(DeploymentFeature), features)
    rows.clear()
    features.clear()


def _releases(store: Store, rng: random.Random, project_id: int) -> None:
    with store.write() as session:
        for n in range(200):
            start = YEAR + timedelta(days=rng.uniform(0, 360))
            guarded = n % 10 == 0
            release = Release(
                project_id=project_id, key=f"r{n}", name=f"r{n}", environment="production",
                spec={"features": [{"flag": f"f{n % FLAGS}"}]},
                state="rolled_back" if guarded else "released", snapshots={}, digest="d",
                created_by={"kind": "system"}, started_at=start,
                finished_at=start + timedelta(days=rng.uniform(0.1, 5)),
            )  # fmt: skip
            session.add(release)
            session.flush()
            if guarded:
                assert release.finished_at is not None
                session.add(ReleaseGuardDecision(
                    release_id=release.id, at=release.finished_at, stage=1, status="regressed",
                    details={"action": "rolled_back"},
                ))  # fmt: skip
                session.add(Change(
                    project="bench", environment="production", kind="flag", key=f"f{n}",
                    document_version=n + 2, at=release.finished_at + timedelta(seconds=1),
                ))  # fmt: skip
        for n in range(500):
            start = YEAR + timedelta(days=rng.uniform(0, 364))
            session.add(Incident(
                project_id=project_id, title=f"i{n}", severity="sev3", started_at=start,
                ended_at=start + timedelta(hours=1), deployment_id=rng.randint(1, 1000) * 100,
                flag=f"f{n % FLAGS}" if n % 5 == 0 else None,
                resolution="flag_off" if n % 5 == 0 else "fix", source="api",
                created_by={"kind": "system"},
            ))  # fmt: skip


if __name__ == "__main__":
    main()
