"""The console's overview at scale: render time, page size, and how fast a change shows.

Setup bulk-loads N deployments (default 100,000; as ``deployments_bench.py`` does: 20
services x 3 environments), then serves the app with the console on loopback, signs in
with an admin token and measures:

- ``GET /projects/bench`` (the overview: matrix, releases in flight, latest events),
  median and 95th percentile of R requests, and the page's size before compression;
- ``GET /projects/bench/fragments/matrix`` (what a live update fetches);
- ``GET /projects/bench/flags`` (the flag list's first page of F flags, default 2,000,
  created through the service), the same list searched and filtered, and a flag's page;
- change to stream: a deployment recorded and finished (through the service, at a random
  moment of the server's one-second poll) until the open console stream
  (``/console/stream``) sends ``event: change``, median and maximum of C changes.

    .venv/bin/python benchmarks/console_bench.py --db sqlite
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from databases import database
from deployments_bench import load, report, timed
from premiere.api import create_app
from premiere.console import install_console
from premiere.services import SYSTEM, environments, tokens
from premiere.services.deployments import ledger
from premiere.services.flags import definitions
from premiere.settings import Settings
from premiere.store import Store

TOKEN = "bench-admin-token-" + "x" * 20


def main() -> None:
    parser = argparse.ArgumentParser(description="console overview timings")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--flags", type=int, default=2_000)
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
        f"{store.dialect}: loaded {args.deployments:,} deployments in "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    load_flags(store, args.flags)
    print(f"created {args.flags:,} flags in {time.perf_counter() - started:.1f} s")
    tokens.ensure_admin_token(store, TOKEN)
    with serving(store) as base, httpx.Client(base_url=base) as client:
        form = client.get("/sign-in").text
        csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed = client.post("/sign-in", data={"token": TOKEN, "csrf": csrf})  # 303
        assert signed.status_code == 303, signed.text
        page = client.get("/projects/bench")
        assert page.status_code == 200 and "svc-19" in page.text, page.status_code
        print(f"overview page: {len(page.content):,} bytes before compression")
        report("overview (HTTP GET)", timed(lambda: client.get("/projects/bench"), args.reps))
        fragment = "/projects/bench/fragments/matrix"
        report("matrix fragment (HTTP GET)", timed(lambda: client.get(fragment), args.reps))
        flag_pages(client, args.reps)
        delays = change_to_stream(store, client, args.changes)
        print(
            f"change to stream: median {statistics.median(delays):.0f} ms, "
            f"max {max(delays):.0f} ms, n={len(delays)}"
        )


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


def flag_pages(client: httpx.Client, reps: int) -> None:
    listing = client.get("/projects/bench/flags")
    assert listing.status_code == 200 and "flag-00049" in listing.text, listing.status_code
    print(f"flag list page: {len(listing.content):,} bytes before compression")
    report("flag list (HTTP GET)", timed(lambda: client.get("/projects/bench/flags"), reps))
    query = "/projects/bench/flags?q=team-3&state=rolling_out&page=2"
    report("flag list searched, filtered, page 2", timed(lambda: client.get(query), reps))
    flag = client.get("/projects/bench/flags/flag-01500")
    assert flag.status_code == 200, flag.status_code
    print(f"flag page: {len(flag.content):,} bytes before compression")
    url = "/projects/bench/flags/flag-01500"
    report("flag page (HTTP GET)", timed(lambda: client.get(url), reps))


def change_to_stream(store: Store, client: httpx.Client, count: int) -> list[float]:
    """Milliseconds from a recorded deployment to the stream's ``event: change``."""
    delays: list[float] = []
    with client.stream("GET", "/console/stream?project=bench", timeout=30) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("event: ready")
        for number in range(count):
            data = {"service": "svc-00", "environment": "development"}
            data |= {"version": f"9.0.{number}", "commit_sha": "abc1234", "status": "in_progress"}
            time.sleep(random.uniform(0, 1))  # at any moment of the server's poll
            started = time.perf_counter()
            view, _ = ledger.record_deployment(store, SYSTEM, "bench", data)
            ledger.finish_deployment(store, SYSTEM, "bench", view["id"], {"outcome": "succeeded"})
            for line in lines:
                if line.startswith("event: change"):
                    delays.append((time.perf_counter() - started) * 1000)
                    break
    return delays


@contextmanager
def serving(store: Store) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings = Settings(database_url="unused://")
    app = install_console(create_app(settings, store), settings)
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
