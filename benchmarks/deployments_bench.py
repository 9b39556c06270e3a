"""Deployment ledger: ingest through the HTTP API, and the environment matrix at scale.

Setup bulk-loads N deployments (default 100,000) through the store: 20 services x 3
environments, statuses mostly succeeded (some failed, some rolled back), 3 flag keys
each, and the current-state table as status changes would have left it. Then:

- matrix: ``GET /api/v1/projects/bench/environment-matrix`` through a real server on
  loopback (and the service call alone), median and 95th percentile of R requests;
- history: ``GET .../deployments?service=&environment=&status=succeeded&limit=50``;
- ingest: ``POST .../deployments`` then ``POST .../finish`` (no checks: succeeded,
  verified) for M deployments, by 1 client and by 4 concurrent clients, over loopback
  HTTP against the same loaded ledger.

    .venv/bin/python benchmarks/deployments_bench.py --db sqlite
    .venv/bin/python benchmarks/deployments_bench.py --db postgresql \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import secrets
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert, text

from databases import database
from premiere.api import create_app
from premiere.services import SYSTEM
from premiere.services.catalog import create_service
from premiere.services.deployments import matrix
from premiere.services.environments import create_environment
from premiere.services.people import tokens
from premiere.services.projects import create_project
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.deployments import (
    Deployment,
    DeploymentFeature,
    EnvironmentServiceState,
    day_number,
)
from premiere.store.models import Environment, Project, Service

ENVIRONMENTS = ("development", "staging", "production")
SERVICES = 20
BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description="deployment ledger ingest and matrix timings")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--ingest", type=int, default=1_000)
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
    print(
        f"{store.dialect}: loaded {args.deployments:,} deployments "
        f"in {time.perf_counter() - started:.1f} s"
    )
    service_ms = timed(lambda: matrix.get_environment_matrix(store, "bench"), args.reps)
    report("matrix (service call)", service_ms)
    admin = tokens.ensure_admin_token(store, "bench-admin-token")
    assert admin is None or admin == "bench-admin-token"
    headers = {"Authorization": "Bearer bench-admin-token"}
    with serving(store) as base, httpx.Client(base_url=base, headers=headers) as client:
        project = f"{base}/api/v1/projects/bench"
        body = client.get(f"{project}/environment-matrix").json()
        assert len(body["services"]) == SERVICES, body
        report(
            "matrix (HTTP GET)",
            timed(lambda: ok(client.get(f"{project}/environment-matrix")), args.reps),
        )
        history = (
            f"{project}/deployments?service=svc-07&environment=production&status=succeeded&limit=50"
        )
        report("history page (HTTP GET)", timed(lambda: ok(client.get(history)), args.reps))
        for clients in (1, 4):
            rate = ingest(base, headers, args.ingest, clients)
            print(
                f"ingest record+finish, {clients} client(s): {rate:,.0f} deployments/s "
                f"({2 * rate:,.0f} requests/s)"
            )
        report(
            "matrix after ingest (HTTP GET)",
            timed(lambda: ok(client.get(f"{project}/environment-matrix")), args.reps),
        )


def load(store: Store, count: int) -> None:
    """Bulk insert through the store, as recording and finishing would have left it."""
    create_project(store, SYSTEM, {"key": "bench"})
    for key in ENVIRONMENTS:
        create_environment(store, SYSTEM, "bench", {"key": key})
    for index in range(SERVICES):
        create_service(store, SYSTEM, "bench", {"key": f"svc-{index:02d}"})
    with store.read() as session:
        project = session.query(Project).filter_by(key="bench").one()
        envs = [
            session.query(Environment).filter_by(project_id=project.id, key=k).one().id
            for k in ENVIRONMENTS
        ]
        services = [
            s.id
            for s in session.query(Service).filter_by(project_id=project.id).order_by(Service.key)
        ]
    start = datetime.now(UTC) - timedelta(days=365)
    latest: dict[tuple[int, int], tuple[int, datetime]] = {}
    next_id = 1
    for offset in range(0, count, BATCH):
        rows, features = [], []
        for number in range(offset, min(count, offset + BATCH)):
            service = services[number % SERVICES]
            env = envs[(number // SERVICES) % len(envs)]
            at = start + timedelta(seconds=number * 300)
            status = (
                "failed" if number % 29 == 0 else "rolled_back" if number % 97 == 0 else "succeeded"
            )
            rows.append(row(next_id, project.id, service, env, number, at, status))
            features.extend(
                {
                    "deployment_id": next_id,
                    "project_id": project.id,
                    "flag_key": f"flag-{(number + k) % 300}",
                }
                for k in range(3)
            )
            if status == "succeeded":
                latest[(service, env)] = (next_id, at)
            next_id += 1
        with store.write() as session:
            session.execute(insert(Deployment), rows)
            session.execute(insert(DeploymentFeature), features)
    with store.write() as session:
        session.execute(
            insert(EnvironmentServiceState),
            [
                {
                    "service_id": s,
                    "environment_id": e,
                    "project_id": project.id,
                    "deployment_id": d,
                    "since": at,
                }
                for (s, e), (d, at) in latest.items()
            ],
        )
        if store.dialect == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('deployments', 'id'), :n)"),
                {"n": next_id},
            )
    if store.dialect == "postgresql":
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with store.write() as session:
            session.execute(text("ANALYZE"))


def row(
    ident: int, project: int, service: int, env: int, number: int, at: datetime, status: str
) -> dict[str, Any]:
    minor, patch = divmod(number // (SERVICES * len(ENVIRONMENTS)), 50)
    return {
        "id": ident,
        "project_id": project,
        "service_id": service,
        "environment_id": env,
        "version": f"1.{minor}.{patch}",
        "commit_sha": f"{number:040x}",
        "commits": [],
        "status": status,
        "actor_kind": "system",
        "actor_id": "bench",
        "actor_name": "bench",
        "log_excerpt": "",
        "log_truncated": False,
        "features": [f"flag-{(number + k) % 300}" for k in range(3)],
        "verification_status": "passed" if status != "failed" else "failed",
        "checks": [],
        "created_at": at,
        "updated_at": at,
        "started_at": at,
        "finished_at": at + timedelta(seconds=60),
        "verified_at": at + timedelta(seconds=61) if status != "failed" else None,
        "finished_day": day_number(at + timedelta(seconds=60)),  # as the ORM row keeps it
    }


def ingest(base: str, headers: dict[str, str], count: int, clients: int) -> float:
    per_client = count // clients

    def work(worker: int) -> None:
        with httpx.Client(base_url=base, headers=headers) as client:
            for number in range(per_client):
                body = {
                    "service": f"svc-{number % SERVICES:02d}",
                    "environment": "development",
                    "version": f"9.{worker}.{number}",
                    "commit_sha": secrets.token_hex(20),
                    "features": ["flag-1", "flag-2"],
                    "idempotency_key": f"run-{worker}-{number}-{secrets.token_hex(4)}",
                }
                view = ok(client.post("/api/v1/projects/bench/deployments", json=body), 201)
                ok(
                    client.post(
                        f"/api/v1/projects/bench/deployments/{view['id']}/finish",
                        json={"outcome": "succeeded"},
                    )
                )

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))
    return per_client * clients / (time.perf_counter() - started)


def ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise SystemExit(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


def timed(call: Callable[[], object], reps: int) -> list[float]:
    call()  # warm up
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{name}: median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, n={len(ordered)}")


@contextmanager
def serving(store: Store) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    app = create_app(Settings(database_url="unused://"), store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


if __name__ == "__main__":
    main()
