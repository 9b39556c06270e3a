"""Durability: ``premiere serve`` killed with SIGKILL at random moments loses nothing it
acknowledged, and its audit chains still verify.

Each cycle starts ``premiere serve`` as a subprocess on 127.0.0.1 (same database every
time), waits for ``/healthz``, lets writer threads create flags through the HTTP API,
and SIGKILLs the server at a random moment while writes are in flight. A write counts
as acknowledged when its ``201`` arrived. After each kill the database is opened
directly: every acknowledged flag must be there, each with its ``flag.created`` audit
event; at the end every audit chain must verify.

    .venv/bin/python benchmarks/durability_bench.py --db sqlite --cycles 200
    .venv/bin/python benchmarks/durability_bench.py --db postgresql --cycles 50 \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Exit status 1 when an acknowledged write is lost, an audit event is missing, or a chain
does not verify (``scripts/test`` runs a few cycles of each this way).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from databases import database
from premiere.services.audit_chain import verify_audit_chains
from premiere.store import Store
from premiere.store.models import AuditEvent, Flag

PROJECT = "durability"
TOKEN = "prm_0000000000000dbe_" + "durability-benchmark-admin-secret"
WRITERS = 3


@dataclass
class Tally:
    acknowledged: set[str] = field(default_factory=set)
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def main() -> None:
    parser = argparse.ArgumentParser(description="SIGKILL the server; count lost writes")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--min-run", type=float, default=0.05, help="seconds before a kill")
    parser.add_argument("--max-run", type=float, default=1.0, help="seconds before a kill")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    randomness = random.Random(args.seed)
    with database(args.db, args.postgres_url, "premiere_durability") as url:
        url = url.replace("+psycopg", "")  # the plain form, as a person would set it
        tally = Tally()
        port = _free_port()
        started = time.monotonic()
        lost: set[str] = set()
        for cycle in range(args.cycles):
            run_for = randomness.uniform(args.min_run, args.max_run)
            _cycle(url, port, cycle, run_for, tally)
            lost |= _missing(url, tally.acknowledged)
        elapsed = time.monotonic() - started
        ok = _report(args, url, tally, lost, elapsed)
    sys.exit(0 if ok else 1)


def _cycle(url: str, port: int, cycle: int, run_for: float, tally: Tally) -> None:
    """Start the server, write until the kill, SIGKILL it, wait for it to be gone."""
    server = _start_server(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, server)
        if cycle == 0:
            _post(base, "/api/v1/projects", {"key": PROJECT})
        # The first request to a route prepares its router: do it before the clock runs,
        # so the random moment of the kill falls among writes, not before the first one.
        httpx.get(f"{base}/api/v1/projects/{PROJECT}/flags", headers=_auth(), timeout=30)
        stop = threading.Event()
        writers = [
            threading.Thread(target=_write, args=(base, f"c{cycle}w{w}", stop, tally))
            for w in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        time.sleep(run_for)  # the random moment of the kill
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def _write(base: str, prefix: str, stop: threading.Event, tally: Tally) -> None:
    path = f"/api/v1/projects/{PROJECT}/flags"
    with httpx.Client(base_url=base, headers=_auth(), timeout=10) as client:
        for n in range(1_000_000):
            if stop.is_set():
                return
            key = f"{prefix}-{n}"
            try:
                response = client.post(path, json={"key": key})
            except httpx.HTTPError:
                return  # the server is gone: this write is not acknowledged
            with tally.lock:
                if response.status_code == 201:
                    tally.acknowledged.add(key)
                else:
                    tally.failed += 1


def _missing(url: str, acknowledged: set[str]) -> set[str]:
    """Acknowledged flags that are not in the database, or have no ``flag.created`` event."""
    with Store.open(url) as store, store.read() as session:
        flags = set(session.scalars(select(Flag.key)))
        audited = set(
            session.scalars(
                select(AuditEvent.resource_key).where(
                    AuditEvent.project == PROJECT, AuditEvent.action == "flag.created"
                )
            )
        )
    return {key for key in acknowledged if key not in flags or key not in audited}


def _report(
    args: argparse.Namespace, url: str, tally: Tally, lost: set[str], elapsed: float
) -> bool:
    with Store.open(url) as store:
        with store.read() as session:
            found = session.scalar(select(func.count()).select_from(Flag)) or 0
            events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        chains = verify_audit_chains(store)
    print(f"{args.db}: {args.cycles} cycles of start, write, SIGKILL in {elapsed:.0f} s")
    print(f"  acknowledged writes:      {len(tally.acknowledged)}")
    print(f"  flags found:              {found} (acknowledged or not)")
    print(f"  acknowledged but lost:    {len(lost)}")
    print(f"  refused (not 201):        {tally.failed}")
    print(f"  audit events:             {events}")
    verdict = "verify" if chains["ok"] else "DO NOT verify"
    print(f"  audit chains:             {len(chains['chains'])}, all {verdict}")
    for chain in chains["chains"]:
        if chain["broken"]:
            print(f"    {chain['project']}: {chain['broken']}")
    if lost:
        print(f"  lost keys (first 10):     {sorted(lost)[:10]}")
    if not tally.acknowledged:
        print("  no write was acknowledged: the run proves nothing")
    return not lost and bool(chains["ok"]) and tally.failed == 0 and bool(tally.acknowledged)


def _start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    premiere = Path(sys.executable).with_name("premiere")
    env = {**os.environ, "PREMIERE_ADMIN_TOKEN": TOKEN, "PREMIERE_LOG_LEVEL": "warning"}
    command = [str(premiere), "serve", "--no-scheduler", "--port", str(port), "--database", url]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"premiere serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit("premiere serve did not become ready in 60 s")


def _post(base: str, path: str, body: object) -> None:
    response = httpx.post(f"{base}{path}", json=body, headers=_auth(), timeout=10)
    response.raise_for_status()


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
