"""The console's pages at scale: render time, page size, SQL statements, and how fast a
change reaches an open overview.

Setup bulk-loads N deployments (default 100,000; as ``deployments_bench.py`` does: 20
services x 3 environments) with the two audit events each that recording them writes,
creates F flags through the service (default 2,000) and a release rolling out with two
guards and their recorded decisions (``console_data.py``), then serves the app with the
console on loopback, signs in with an admin token and measures, with an ``httpx``
client in the same process, R requests per page (median, 95th percentile, size before
compression, SQL statements per request, and the process's CPU time per request, server
and client together, which a loaded machine moves less than the wall clock):

- the overview (``/projects/bench``) and its matrix fragment (what a live update fetches);
- the flag list: first page, searched, filtered by state, searched + filtered page 2;
  a flag's page;
- the release's page (two guard charts) and its progress fragment;
- the deployment history (first page, filtered, an older page) and the audit log
  (first page, filtered);
- change to overview: a deployment recorded and finished through the service (at a
  random moment of the server's poll) until the open ``/console/stream`` sends
  ``event: change``, and until the overview fetched again shows it, over C changes.

Targets: every page p95 <= 100 ms and <= 150 KB; change to stream <= 1 s.

    .venv/bin/python benchmarks/console_bench.py --db sqlite
    .venv/bin/python benchmarks/console_bench.py --db postgresql
    .venv/bin/python benchmarks/console_bench.py --database-url sqlite:////tmp/console.db

Each page is measured in ``--rounds`` rounds (default 3); the summary shows, for each,
the round with the lowest p95.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import httpx
import uvicorn
from sqlalchemy import event

from console_data import analyze, load_audit_events, load_flags, load_release
from databases import database
from deployments_bench import load
from premiere.api import create_app
from premiere.cli.server.commands import settle_memory
from premiere.console import install_console
from premiere.services import SYSTEM
from premiere.services.audit import activity_head
from premiere.services.deployments import ledger
from premiere.services.people import tokens
from premiere.services.projects import list_projects
from premiere.settings import Settings
from premiere.store import Store

TOKEN = "bench-admin-token-" + "x" * 20
TARGET_MS = 100.0
TARGET_BYTES = 150 * 1024
TARGET_CHANGE_MS = 1000.0
PAGES = (
    ("overview", "/projects/bench", "svc-19"),
    ("overview: matrix fragment", "/projects/bench/fragments/matrix", "svc-19"),
    ("flag list, first page", "/projects/bench/flags", "flag-00049"),
    ("flag list, searched (q=team-3)", "/projects/bench/flags?q=team-3", "flag-00003"),
    ("flag list, state filter", "/projects/bench/flags?state=rolling_out", "flag-00003"),
    (
        "flag list, searched + filtered, page 2",
        "/projects/bench/flags?q=team-3&state=rolling_out&page=2",
        "flag-",
    ),
    ("a flag's page", "/projects/bench/flags/{flag}", "{flag}"),
    ("a release's page (2 guard charts)", "/projects/bench/releases/checkout-v2", "<svg"),
    (
        "release progress fragment",
        "/projects/bench/releases/checkout-v2/fragments/progress",
        "<svg",
    ),
    ("deployment history", "/projects/bench/deployments", "svc-"),
    (
        "deployment history, filtered",
        "/projects/bench/deployments?service=svc-07&environment=production&status=succeeded",
        "svc-07",
    ),
    ("deployment history, older page", "@older", "svc-"),
    ("audit log", "/projects/bench/audit", "deployment"),
    ("audit log, flag events", "/projects/bench/audit?resource_type=flag", "flag-"),
    ("audit log, by action", "/projects/bench/audit?action=release.started", "checkout-v2"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description="console page timings at scale")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--flags", type=int, default=2_000)
    parser.add_argument("--decisions", type=int, default=48, help="per guard")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="measurements of every page")
    parser.add_argument("--only", default="", help="measure only pages whose name has this")
    parser.add_argument("--echo", action="store_true", help="print each page's SQL statements")
    parser.add_argument(
        "--database-url",
        help="measure this database, kept afterwards (loaded first unless it has the "
        "project bench): runs after the first skip the loading",
    )
    args = parser.parse_args()
    with (
        nullcontext(args.database_url)
        if args.database_url
        else database(args.db, args.postgres_url) as url
    ):
        store = Store.open(url)
        try:
            if not has_bench_project(store):
                load_all(store, args)
            run(store, args)
        finally:
            store.close()


def has_bench_project(store: Store) -> bool:
    return any(project["key"] == "bench" for project in list_projects(store))


def load_all(store: Store, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    load(store, args.deployments)
    events = load_audit_events(store)
    print(
        f"{store.dialect}: loaded {args.deployments:,} deployments and {events:,} audit "
        f"events in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    load_flags(store, args.flags)
    load_release(store, args.decisions)
    print(f"created {args.flags:,} flags and a release in {time.perf_counter() - started:.1f} s")
    tokens.ensure_admin_token(store, TOKEN)
    analyze(store)


def run(store: Store, args: argparse.Namespace) -> None:
    counter = StatementCounter(store)
    flag = f"flag-{args.flags * 3 // 4:05d}"  # flag-01500 of 2,000
    best: dict[str, tuple[float, float, int, float]] = {}
    with serving(store) as base, httpx.Client(base_url=base) as client:
        sign_in(client)
        older = older_page(client)
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number} (load average {os.getloadavg()[0]:.1f})")
            print(f"{'page':<42} {'median':>8} {'p95':>8} {'p95/100ms':>9} {'bytes':>8} "
                  f"{'/150KB':>6} {'SQL':>4} {'CPU':>8}")  # fmt: skip
            for name, url, expect in PAGES:
                if args.only and args.only not in name:
                    continue
                url = older if url == "@older" else url.format(flag=flag)
                result = measure(client, counter, name, url, expect.format(flag=flag), args)
                if name not in best or result[1] < best[name][1]:
                    best[name] = result
            if args.changes:
                for name, delays in change_to_overview(store, client, args.changes).items():
                    result = (*quantiles(delays), 0, 0.0)
                    if name not in best or result[1] < best[name][1]:
                        best[name] = result
    print(f"best of {args.rounds} rounds (the round with the lowest p95), against the targets:")
    for name, (median, p95, size, cpu) in best.items():
        target = TARGET_CHANGE_MS if name.startswith("change") else TARGET_MS
        sizes = f", {size:,} bytes ({size / TARGET_BYTES:.2f} of 150 KB)" if size else ""
        sizes += f", CPU {cpu:.1f} ms a request" if cpu else ""
        print(
            f"  {name}: median {median:.1f} ms, p95 {p95:.1f} ms "
            f"({p95 / target:.2f} of {target:.0f} ms){sizes}"
        )


class StatementCounter:
    """SQL statements the store runs (every thread of the process)."""

    def __init__(self, store: Store) -> None:
        self.seen: list[str] = []
        event.listen(store.engine, "before_cursor_execute", self._seen)

    def _seen(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(statement)


def sign_in(client: httpx.Client) -> None:
    form = client.get("/sign-in").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed = client.post("/sign-in", data={"token": TOKEN, "csrf": csrf})
    assert signed.status_code == 303, signed.text


def older_page(client: httpx.Client) -> str:
    """The history's page 20 (its cursor, found by following Older 19 times)."""
    url = "/projects/bench/deployments"
    for _ in range(19):
        html = client.get(url).text
        url = "/projects/bench/deployments" + html.split('href="?', 1)[1].split('"', 1)[0]
        url = url.replace("&amp;", "&").replace("deployments", "deployments?", 1)
    return url


def measure(
    client: httpx.Client,
    counter: StatementCounter,
    name: str,
    url: str,
    expect: str,
    args: argparse.Namespace,
) -> tuple[float, float, int, float]:
    """Median and p95 of ``args.reps`` requests, the page's size, CPU per request."""
    answer = client.get(url)
    assert answer.status_code == 200 and expect in answer.text, (url, answer.status_code)
    counter.seen.clear()
    client.get(url)
    statements = len(counter.seen)
    if args.echo:
        print("\n".join(f"    {' '.join(sql.split())[:160]}" for sql in counter.seen))
    times = []
    cpu_started = time.process_time()
    for _ in range(args.reps):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_started) * 1000 / args.reps
    median, p95 = quantiles(times)
    size = len(answer.content)
    print(
        f"{name:<42} {median:>6.1f}ms {p95:>6.1f}ms {p95 / TARGET_MS:>9.2f} {size:>8,} "
        f"{size / TARGET_BYTES:>6.2f} {statements:>4} {cpu:>6.1f}ms"
    )
    return median, p95, size, cpu


def quantiles(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank)."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return ordered[len(ordered) // 2], p95


def change_to_overview(store: Store, client: httpx.Client, count: int) -> dict[str, list[float]]:
    """From a recorded deployment to the stream's ``event: change``, and to the
    overview's matrix fragment fetched again (what ``live.js`` does) showing it."""
    to_event: list[float] = []
    to_page: list[float] = []
    with client.stream("GET", "/console/stream?project=bench", timeout=30) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("event: ready")
        for number in range(count):
            version = f"9.0.{number}"
            data = {"service": "svc-00", "environment": "development"}
            data |= {"version": version, "commit_sha": "abc1234", "status": "in_progress"}
            time.sleep(random.uniform(0, 1))  # at any moment of the server's poll
            started = time.perf_counter()
            view, _ = ledger.record_deployment(store, SYSTEM, "bench", data)
            ledger.finish_deployment(store, SYSTEM, "bench", view["id"], {"outcome": "succeeded"})
            target = activity_head(store, "bench")  # the stream's data once it saw both
            for line in lines:
                if line.startswith("data: ") and reached(json.loads(line[6:]), target):
                    to_event.append((time.perf_counter() - started) * 1000)
                    break
            shown = client.get("/projects/bench/fragments/matrix").text
            assert version in shown, version
            to_page.append((time.perf_counter() - started) * 1000)
    found = {"change to overview: event": to_event, "change to overview: matrix shown": to_page}
    for name, delays in found.items():
        median, p95 = quantiles(delays)
        print(
            f"{name}: median {median:.0f} ms, p95 {p95:.0f} ms, max {max(delays):.0f} ms "
            f"(p95/1s {p95 / TARGET_CHANGE_MS:.2f}), n={len(delays)}"
        )
    return found


def reached(head: list[int], target: tuple[int, int]) -> bool:
    return all(seen >= wanted for seen, wanted in zip(head, target, strict=True))


@contextmanager
def serving(store: Store) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings = Settings(database_url="unused://")
    app = install_console(create_app(settings, store), settings)
    settle_memory()  # as `premiere serve` does before it serves
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
