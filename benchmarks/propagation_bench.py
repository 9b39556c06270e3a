"""Change propagation: from an admin API write to every SDK stream holding the patch.

Starts a Premiere server (one uvicorn process, as `premiere serve` runs it, with its
default settings and logging; a backlog of 8,192 connections) on a fresh
SQLite file (or the PostgreSQL database given), opens N server-sent-event streams from
a few client processes (asyncio, raw sockets: one coroutine per stream), then toggles a
flag through the admin API R times. For every stream and every change it records the
moment the patch arrived, and reports p50/p90/p99/max of

- "after 2xx": arrival minus the moment the admin API's 2xx response was read
  (negative when the patch overtook the response; such samples count as 0), and
- "after request": arrival minus the moment the PATCH request was sent.

    .venv/bin/python benchmarks/propagation_bench.py --streams 1000 5000

All clocks are CLOCK_MONOTONIC (time.monotonic), shared by the processes of one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ADMIN_TOKEN = "prm_00000000000000be_propagation-bench-admin"
SERVER = """
import sys, resource, uvicorn
from premiere.api import create_app
from premiere.cli.server.coalescing import CoalescingHttpToolsProtocol
from premiere.cli.server.commands import log_config, settle_memory
from premiere.services.people.tokens import ensure_admin_token
from premiere.settings import Settings
from premiere.store import Store
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
url, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = Store.open(url)
ensure_admin_token(store, token)
app = create_app(Settings(database_url=url), store)
settle_memory()  # as serve does, and its default logging (log level info)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="info", backlog=8192,
            http=CoalescingHttpToolsProtocol,
            access_log=False, log_config=log_config("info"), timeout_graceful_shutdown=2)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_server(database_url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, database_url, str(port), ADMIN_TOKEN],
    )
    yield from _until_stopped(process, f"http://127.0.0.1:{port}")


def _until_stopped(process: subprocess.Popen[bytes], url: str) -> Iterator[str]:
    """``url`` once the server answers there; the server is stopped afterwards."""
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def set_up(url: str) -> tuple[str, httpx.Client]:
    admin = httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
    )
    for method, path, body in (
        ("POST", "/api/v1/projects", {"key": "bench", "name": "Bench"}),
        ("POST", "/api/v1/projects/bench/environments", {"key": "production"}),
        ("POST", "/api/v1/projects/bench/flags", {"key": "new-checkout"}),
    ):
        admin.request(method, path, json=body).raise_for_status()
    body = {"name": "bench", "scope": "sdk-server", "project": "bench", "environment": "production"}
    token = admin.post("/api/v1/tokens", json=body).json()["token"]
    return str(token), admin


# client processes ---------------------------------------------------------------------


def client_process(
    port: int, token: str, streams: int, ready: Any, results: Any, stop: Any
) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    arrivals = asyncio.run(_clients(port, token, streams, ready, stop))
    results.put(arrivals)


async def _clients(port: int, token: str, streams: int, ready: Any, stop: Any) -> list[Any]:
    arrivals: list[tuple[int, float]] = []
    connected: list[asyncio.StreamReader] = []
    tasks = []
    for _ in range(streams):
        tasks.append(asyncio.create_task(_stream(port, token, connected, arrivals)))
        if len(tasks) % 100 == 0:
            await asyncio.sleep(0.01)  # do not flood the listen backlog
    while len(connected) < streams:
        failed = [t for t in tasks if t.done() and t.exception() is not None]
        if failed:
            raise RuntimeError(f"{len(failed)} streams failed") from failed[0].exception()
        await asyncio.sleep(0.05)
    ready.put(streams)
    while not stop.is_set():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return arrivals


async def _stream(
    port: int,
    token: str,
    connected: list[asyncio.StreamReader],
    arrivals: list[tuple[int, float]],
) -> None:
    """One SSE stream: read up to the document, then note each patch's id and arrival.
    (Frames come inside HTTP chunks; the chunk-size lines do not hide ``event: patch``.)"""
    reader, writer = await _connect(port)
    writer.write(
        (
            "GET /api/v1/sdk/stream HTTP/1.1\r\nHost: bench\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    buffer = b""
    while b"\n\n" not in buffer.partition(b"event: document")[2]:
        chunk = await reader.read(65536)
        if not chunk:
            raise RuntimeError("the stream closed before the document")
        buffer += chunk
    connected.append(reader)
    buffer = b""
    while chunk := await reader.read(65536):
        now = time.monotonic()
        buffer += chunk
        *events, buffer = buffer.split(b"\n\n")
        for event in events:
            if b"event: patch" in event:
                event_id = int(event.split(b"\nid: ", 1)[1].split(b"\n", 1)[0])
                arrivals.append((event_id, now))


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    for attempt in range(20):
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05 * (attempt + 1))
    raise RuntimeError("could not connect")


# one measurement ----------------------------------------------------------------------


def measure(
    url: str, streams: int, changes: int, processes: int, interval: float
) -> dict[str, Any]:
    token, admin = set_up(url)
    port = int(url.rsplit(":", 1)[1])
    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    shares = [
        streams // processes + (1 if i < streams % processes else 0) for i in range(processes)
    ]
    workers = [
        ctx.Process(target=client_process, args=(port, token, n, ready, results, stop))
        for n in shares
        if n
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=120)
    time.sleep(1.0)
    sent: dict[int, tuple[float, float]] = {}
    path = "/api/v1/projects/bench/flags/new-checkout/environments/production"
    version = admin.get(path).json()["version"]
    for index in range(changes):
        body = {"on": index % 2 == 0, "version": version}
        started = time.monotonic()
        response = admin.patch(path, json=body)
        answered = time.monotonic()
        response.raise_for_status()
        version = response.json()["version"]
        document_version = admin.get(
            "/api/v1/sdk/flags", headers={"Authorization": f"Bearer {token}"}
        ).json()["version"]
        sent[document_version] = (started, answered)
        time.sleep(interval)
    stop.set()
    arrivals: list[tuple[int, float]] = []
    for _ in workers:
        arrivals.extend(results.get(timeout=120))
    for worker in workers:
        worker.join(timeout=30)
    admin.close()
    after_2xx, after_request = [], []
    for event_id, at in arrivals:
        if event_id in sent:
            started, answered = sent[event_id]
            after_2xx.append(max(0.0, at - answered) * 1000)
            after_request.append((at - started) * 1000)
    expected = streams * changes
    return {
        "streams": streams,
        "changes": changes,
        "interval_s": interval,
        "received": len(after_2xx),
        "expected": expected,
        "after_2xx_ms": summary(after_2xx),
        "after_request_ms": summary(after_request),
    }


def summary(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {
        "p50": pct(50),
        "p90": pct(90),
        "p99": pct(99),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def serve_ofrep(database_url: str | None) -> None:
    """The OFREP targets of /work/shared/bench, served by `premiere serve --demo` with
    its default settings until interrupted: the benchmark flag new-checkout (plan in
    [enterprise] -> true, else a 25 % rollout by key) in project bench, one flag
    evaluated per request; bulk evaluation of the demo's production flags; the 304 of
    the demo's flag document."""
    with tempfile.TemporaryDirectory() as tmp:
        url_db = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with running_premiere_serve(url_db) as url:
            token, admin = set_up(url)
            rule = {
                "id": "enterprise",
                "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
                "serve": {"variation": 0},
            }
            weights = [{"variation": 0, "weight": 25000}, {"variation": 1, "weight": 75000}]
            body = {
                "on": True,
                "rules": [rule],
                "fallthrough": {"rollout": {"variations": weights}},
                "version": 1,
            }
            path = "/api/v1/projects/bench/flags/new-checkout/environments/production"
            admin.patch(path, json=body).raise_for_status()
            demo = {"name": "demo", "scope": "sdk-server", "project": "demo"}
            demo_token = admin.post("/api/v1/tokens", json={**demo, "environment": "production"})
            demo_key = demo_token.json()["token"]
            document = httpx.get(
                f"{url}/api/v1/sdk/flags", headers={"Authorization": f"Bearer {demo_key}"}
            )
            print(
                f"--also 'POST {url}/ofrep/v1/evaluate/flags/new-checkout' "
                f"--header 'Authorization: Bearer {token}' "
                f"--also 'POST {url}/ofrep/v1/evaluate/flags' "
                f"--header 'Authorization: Bearer {demo_key}' "
                f"--also 'GET {url}/api/v1/sdk/flags' --header 'Authorization: Bearer {demo_key}' "
                f"--header 'If-None-Match: {document.headers['etag']}'",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)


@contextlib.contextmanager
def running_premiere_serve(database_url: str) -> Iterator[str]:
    """`premiere serve --demo` with default settings (its admin token preset)."""
    port = free_port()
    env = os.environ | {
        "PREMIERE_DATABASE_URL": database_url,
        "PREMIERE_PORT": str(port),
        "PREMIERE_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    command = [sys.executable, "-m", "premiere.cli", "serve", "--demo"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    yield from _until_stopped(process, f"http://127.0.0.1:{port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between changes")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per run")
    parser.add_argument(
        "--serve-ofrep",
        action="store_true",
        help="only start the server with the OFREP benchmark flag and print a wrk command",
    )
    args = parser.parse_args()
    if args.serve_ofrep:
        serve_ofrep(args.database_url)
        return
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    for streams in args.streams:
        with tempfile.TemporaryDirectory() as tmp:
            database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            with running_server(database_url) as url:
                result = measure(url, streams, args.changes, args.client_processes, args.interval)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
