"""Start-up: how long ``premiere --help``, a client command and ``premiere serve`` take.

Each figure is the median of ``--runs`` runs of a new process, twice: wall clock (from
``subprocess.Popen`` to the end, or to the answer), and the CPU time the process used
meanwhile (user + system, all its threads), which other load on the machine changes
less. Linux: the CPU time of a server still running is read from ``/proc``.

- ``--help``: ``premiere --help`` to its exit;
- client: ``premiere flags list -p demo`` against a running server, to its exit;
- serve, /healthz: ``premiere serve`` on an existing demo database, to the first 200
  from ``/healthz``; serve, first API call: to the first 200 from
  ``GET /api/v1/projects`` (with the admin token) instead.

``--baseline PATH`` runs the same measures with the ``src/`` of another checkout (say,
one at an older commit), alternating runs of the two so that both see the same machine
load. Children run without ``PYTHONDONTWRITEBYTECODE``, so that modules load from their
bytecode caches as in an installed package.

    .venv/bin/python benchmarks/startup_bench.py --runs 10
    .venv/bin/python benchmarks/startup_bench.py --runs 10 --baseline /path/to/other/checkout
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

TOKEN = "prm_00000000000005be_" + "startup-benchmark-admin-secret"
HERE = Path(__file__).resolve().parent.parent / "src"
RUN = "import sys; sys.path.insert(0, {src!r}); from premiere.cli.entry import main; {argv}main()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    sources = {"this checkout": HERE}
    if args.baseline:
        sources = {"baseline": args.baseline.resolve() / "src", **sources}
    with tempfile.TemporaryDirectory() as folder:
        # A demo database per checkout, made by its own code: one may not know the
        # other's newest migration. Client commands talk to this checkout's server.
        envs = {name: _environment(Path(folder) / f"{i}.db") for i, name in enumerate(sources)}
        for name, src in sources.items():
            _premiere(src, "demo", env=envs[name], check=True)
        server, port = _serve(HERE, envs["this checkout"])
        try:
            _wait(port, "/healthz")
            for env in envs.values():
                env["PREMIERE_URL"] = f"http://127.0.0.1:{port}"
            figures = _measure(sources, envs, args.runs)
        finally:
            server.terminate()
            server.wait(timeout=10)
    python = sys.version.split()[0]
    print(f"medians of {args.runs} runs, seconds ({os.cpu_count()} CPUs, Python {python})")
    print(f"{'':26}" + "".join(f"{name + ' wall':>20}{'CPU':>7}" for name in sources))
    for measure, by_source in figures.items():
        row = ""
        for name in sources:
            walls, cpus = zip(*by_source[name], strict=True)
            row += f"{statistics.median(walls):>20.3f}{statistics.median(cpus):>7.3f}"
        print(f"{measure:26}{row}")


Figures = dict[str, dict[str, list[tuple[float, float]]]]


def _measure(sources: dict[str, Path], envs: dict[str, dict[str, str]], runs: int) -> Figures:
    Run = Callable[[Path, dict[str, str]], tuple[float, float]]
    measures: dict[str, Run] = {
        "premiere --help": lambda src, env: _timed(src, "--help", env=env),
        "premiere flags list": lambda src, env: _timed(src, "flags", "list", "-p", "demo", env=env),
        "serve -> /healthz 200": lambda src, env: _serve_ready(src, env, "/healthz"),
        "serve -> first API 200": lambda src, env: _serve_ready(src, env, "/api/v1/projects"),
    }
    figures: Figures = {m: {s: [] for s in sources} for m in measures}
    for measure, run in measures.items():
        for name, src in sources.items():
            run(src, envs[name])  # warm: bytecode caches, file system caches
        for _ in range(runs):
            for name, src in sources.items():  # alternating: the same load for both
                figures[measure][name].append(run(src, envs[name]))
    return figures


def _environment(path: Path) -> dict[str, str]:
    database = f"sqlite:///{path}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREMIERE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(PREMIERE_DATABASE_URL=database, PREMIERE_ADMIN_TOKEN=TOKEN, PREMIERE_TOKEN=TOKEN)
    return env


def _command(src: Path, *args: str) -> list[str]:
    argv = f"sys.argv = ['premiere', *{list(args)!r}]; "
    return [sys.executable, "-c", RUN.format(src=str(src), argv=argv)]


def _premiere(src: Path, *args: str, env: dict[str, str], check: bool = False) -> None:
    subprocess.run(_command(src, *args), env=env, check=check, capture_output=True, timeout=120)


def _timed(src: Path, *args: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall clock and CPU time of one run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    _premiere(src, *args, env=env, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _serve(src: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = _command(src, "serve", "--port", str(port))
    quiet = subprocess.DEVNULL
    return subprocess.Popen(command, env=env, stdout=quiet, stderr=quiet), port


def _serve_ready(src: Path, env: dict[str, str], path: str) -> tuple[float, float]:
    """Wall clock and CPU time of ``serve`` from its start to its first 200 on ``path``."""
    started = time.perf_counter()
    process, port = _serve(src, env)
    try:
        _wait(port, path)
        wall = time.perf_counter() - started
        fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
        return wall, ticks / os.sysconf("SC_CLK_TCK")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait(port: int, path: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"no 200 from {path} within 30 s")


if __name__ == "__main__":
    main()
