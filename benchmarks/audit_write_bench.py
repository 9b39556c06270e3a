"""Audit writes: flag update throughput, every update recording one audit event.

Each update is one ``update_flag`` call (one write transaction with its audit event).
Runs N updates by one thread, then by 4 threads on 4 different flags of the same
project (all their audit events land in that project's audit chain).

    .venv/bin/python benchmarks/audit_write_bench.py --db sqlite
    .venv/bin/python benchmarks/audit_write_bench.py --db postgresql \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from databases import database
from premiere.services import Actor
from premiere.services.flags.definitions import create_flag, update_flag
from premiere.services.projects import create_project
from premiere.store import Store

ACTOR = Actor(kind="user", id="bench", name="bench")
THREADS = 4


def main() -> None:
    parser = argparse.ArgumentParser(description="flag update throughput with audit events")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--updates", type=int, default=1000, help="updates per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args()
    with database(args.db, args.postgres_url) as url, Store.open(url) as store:
        create_project(store, ACTOR, {"key": "bench"})
        for index in range(THREADS):
            create_flag(store, ACTOR, "bench", {"key": f"f{index}"})
        versions = [1] * THREADS
        for label, threads in (("1 writer", 1), (f"{THREADS} writers", THREADS)):
            best = 0.0
            for _ in range(args.rounds):
                per = args.updates // threads
                started = time.perf_counter()
                with ThreadPoolExecutor(threads) as pool:
                    jobs = [pool.submit(_updates, store, i, per, versions) for i in range(threads)]
                    for job in jobs:
                        job.result()
                best = max(best, per * threads / (time.perf_counter() - started))
            print(f"{args.db:10} {label:10} {best:8.0f} flag updates/s (best of {args.rounds})")


def _updates(store: Store, index: int, count: int, versions: list[int]) -> None:
    for n in range(count):
        update_flag(store, ACTOR, "bench", f"f{index}", {"name": f"F{index} {n}"}, versions[index])
        versions[index] += 1


if __name__ == "__main__":
    main()
