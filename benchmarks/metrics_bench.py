"""What ``/metrics`` costs: counting each request, on the SDK's hot path too, and a scrape.

- middleware: ``RequestMetrics`` around an ASGI app that answers at once, against the
  bare app: the cost per request of counting it (N calls, best of R rounds, interleaved);
- OFREP: ``POST /ofrep/v1/evaluate/flags/new-checkout`` (a rule and a 25 % rollout)
  through the whole app in process (no sockets, so the difference is not lost in the
  network), with the metrics and with the ``RequestMetrics`` middleware taken out,
  interleaved rounds, requests/s;
- scrape: ``GET /metrics`` (an admin token) at D bulk-loaded deployments, median / p95;
- DORA gauges at their worst: the same D deployments all moved into production within
  the last 30 days (one project), ``dora_gauges`` alone, median of 5.

    .venv/bin/python benchmarks/metrics_bench.py            # --deployments 100000
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from databases import database
from deployments_bench import load, report
from premiere.api import create_app
from premiere.api.insights.instruments import RequestMetrics, ServerMetrics
from premiere.services import SYSTEM
from premiere.services.flags.configs import update_flag_config
from premiere.services.flags.definitions import create_flag
from premiere.services.insights.gauges import dora_gauges
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.models import Environment

ADMIN = "bench-admin-token-0123456789abcdef0123"
FLAG = "/ofrep/v1/evaluate/flags/new-checkout"


def main() -> None:
    parser = argparse.ArgumentParser(description="the cost of counting requests and scraping")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--deployments", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(middleware(args.calls, args.rounds))
    with database("sqlite", "") as url:
        store = Store.open(url)
        try:
            load(store, args.deployments)
            asyncio.run(ofrep_and_scrape(store, args.requests, args.rounds))
            dora_at_worst(store)
        finally:
            store.close()


async def middleware(calls: int, rounds: int) -> None:
    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def nothing(message: Any) -> None:
        return None

    metrics = ServerMetrics(lambda: None, lambda: 0)
    counted = RequestMetrics(answer, metrics)
    scope = {"type": "http", "method": "POST", "path": FLAG, "headers": []}
    best = {"bare": float("inf"), "counted": float("inf")}
    for _ in range(rounds):
        for name, app in (("bare", answer), ("counted", counted)):
            started = time.perf_counter()
            for _ in range(calls):
                await app(scope, None, nothing)
            best[name] = min(best[name], (time.perf_counter() - started) / calls * 1e6)
    extra = best["counted"] - best["bare"]
    print(f"middleware: bare {best['bare']:.2f} µs, counted {best['counted']:.2f} µs "
          f"per request: {extra:.2f} µs to count one")  # fmt: skip


async def ofrep_and_scrape(store: Store, requests: int, rounds: int) -> None:
    tokens.ensure_admin_token(store, ADMIN)
    create_flag(store, SYSTEM, "bench", {"key": "new-checkout"})
    rule = {"id": "e", "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
            "serve": {"variation": 0}}  # fmt: skip
    weights = [{"variation": 0, "weight": 25_000}, {"variation": 1, "weight": 75_000}]
    config = {"on": True, "rules": [rule], "fallthrough": {"rollout": {"variations": weights}}}
    update_flag_config(
        store, SYSTEM, "bench", "new-checkout", "production", config, 1, partial=True
    )
    sdk = tokens.create_token(
        store, SYSTEM, {"name": "sdk", "scope": "sdk-server", "project": "bench",
                        "environment": "production"},
    )["token"]  # fmt: skip
    apps = {"counted": create_app(Settings(database_url="unused://"), store)}
    bare = create_app(Settings(database_url="unused://"), store)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not RequestMetrics]
    apps["bare"] = bare
    rates: dict[str, list[float]] = {"bare": [], "counted": []}
    headers = {"Authorization": f"Bearer {sdk}"}
    for _ in range(rounds):
        for name, app in apps.items():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                body = {"context": {"targetingKey": "user-1", "plan": "free"}}
                assert (await client.post(FLAG, json=body, headers=headers)).status_code == 200
                started = time.perf_counter()
                for number in range(requests):
                    body = {"context": {"targetingKey": f"user-{number}", "plan": "free"}}
                    await client.post(FLAG, json=body, headers=headers)
                rates[name].append(requests / (time.perf_counter() - started))
    for name, found in rates.items():
        print(f"OFREP in process, {name}: best {max(found):,.0f} req/s, "
              f"median {sorted(found)[len(found) // 2]:,.0f} req/s")  # fmt: skip
    transport = httpx.ASGITransport(app=apps["counted"])
    async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
        scrape = {"Authorization": f"Bearer {ADMIN}"}
        times = []
        for _ in range(21):
            started = time.perf_counter()
            answer = await client.get("/metrics", headers=scrape)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
        report(f"GET /metrics ({len(answer.content):,} bytes)", times[1:])


def dora_at_worst(store: Store) -> None:
    with store.write() as session:
        production = session.scalar(select(Environment.id).where(Environment.key == "production"))
        for row in session.scalars(select(Deployment)):
            row.environment_id = production
            moved = datetime.now(UTC) - timedelta(days=row.id % 29, hours=1)
            row.finished_at = moved
            row.verified_at = moved if row.verified_at is not None else None
            row.commit_time = moved - timedelta(hours=row.id % 48)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        dora_gauges(store)
        times.append((time.perf_counter() - started) * 1000)
    print(f"DORA gauges, every deployment in the last 30 days: median {sorted(times)[2]:.0f} ms")


if __name__ == "__main__":
    main()
