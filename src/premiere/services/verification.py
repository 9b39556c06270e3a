"""Running verification checks, off the request thread.

:class:`Verifier` owns a small thread pool. ``submit(deployment_id)`` runs the
deployment's checks there and records the outcome; ``wait`` lets a caller block up to
a bound. Every attempt is bounded by its check's timeout (HTTP connect/read/write,
command wall time), so an unreachable host or a hung program fails the check with a
reason and never blocks anything else.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import httpx
from sqlalchemy import select

from premiere.services import SYSTEM, Actor
from premiere.services.deployments import complete_verification, verification_plan
from premiere.store import Store
from premiere.store.deployments import Deployment

log = logging.getLogger("premiere.verification")

OUTPUT_TAIL = 500
_MISSING = object()

CheckRunner = Callable[[Mapping[str, Any]], dict[str, Any]]


class Verifier:
    """Runs verification in background threads; one task per deployment at a time."""

    def __init__(self, store: Store, *, workers: int = 4, run: CheckRunner | None = None) -> None:
        self.store = store
        self._run = run or run_check
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="premiere-verify")
        self._tasks: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, deployment_id: int, actor: Actor = SYSTEM) -> None:
        with self._lock:
            task = self._tasks.get(deployment_id)
            if task is not None and not task.done():
                return
            task = self._pool.submit(self._verify, deployment_id, actor)
            self._tasks[deployment_id] = task
            task.add_done_callback(lambda _: self._forget(deployment_id))

    def wait(self, deployment_id: int, timeout: float) -> None:
        """Block until the deployment's verification ends, at most ``timeout`` seconds."""
        with self._lock:
            task = self._tasks.get(deployment_id)
        if task is None:
            return
        try:
            task.result(timeout=max(0.0, timeout))
        except FutureTimeout:
            return

    def resume(self) -> int:
        """Submit every deployment left verifying (e.g. by a restart); returns how many."""
        with self.store.read() as session:
            ids = list(
                session.scalars(select(Deployment.id).where(Deployment.status == "verifying"))
            )
        for deployment_id in ids:
            self.submit(deployment_id)
        return len(ids)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _forget(self, deployment_id: int) -> None:
        with self._lock:
            task = self._tasks.get(deployment_id)
            if task is not None and task.done():
                del self._tasks[deployment_id]

    def _verify(self, deployment_id: int, actor: Actor) -> None:
        try:
            plan = verification_plan(self.store, deployment_id)
            if plan is None:
                return
            results = [self._run_one(spec) for spec in plan]
            complete_verification(self.store, actor, deployment_id, results)
        except Exception:  # a background thread: log, never lose it silently
            log.exception("verifying deployment %s failed", deployment_id)

    def _run_one(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._run(spec)
        except Exception as error:  # pragma: no cover - run_check catches its own
            log.exception("check %s crashed", spec.get("key"))
            return _result(spec, "failed", 0, 0.0, reason=f"the check crashed: {error!r}")


def run_check(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Run one check with its retries and backoff; the result of the last attempt."""
    attempts = 1 + int(spec.get("retries", 0))
    delay = float(spec.get("interval_seconds", 1.0))
    started = time.monotonic()
    outcome: dict[str, Any] = {}
    for attempt in range(1, attempts + 1):
        outcome = _http_attempt(spec) if spec["kind"] == "http" else _command_attempt(spec)
        if outcome["passed"] or attempt == attempts:
            break
        time.sleep(delay)
        delay *= float(spec.get("backoff", 2.0))
    status = "passed" if outcome.pop("passed") else "failed"
    return _result(spec, status, attempt, time.monotonic() - started, **outcome)


def _http_attempt(spec: Mapping[str, Any]) -> dict[str, Any]:
    timeout = float(spec.get("timeout_seconds", 5.0))
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.request(spec.get("method", "GET"), spec["url"])
    except httpx.TimeoutException:
        return {"passed": False, "reason": f"no answer within {timeout:g} s"}
    except httpx.HTTPError as error:
        return {"passed": False, "reason": f"request failed: {error or type(error).__name__}"}
    expected = int(spec.get("expected_status", 200))
    if response.status_code != expected:
        return {
            "passed": False,
            "http_status": response.status_code,
            "reason": f"status {response.status_code}, expected {expected}",
        }
    problem = _body_problem(spec, response.text)
    return {"passed": problem is None, "http_status": response.status_code, "reason": problem}


def _body_problem(spec: Mapping[str, Any], body: str) -> str | None:
    needle = spec.get("body_contains")
    if needle and needle not in body:
        return f"the body does not contain {needle!r}"
    field = spec.get("json_field")
    if not field:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return "the body is not JSON"
    actual = _dig(document, str(field["path"]))
    if actual is _MISSING:
        return f"the JSON has no field {field['path']!r}"
    if actual != field["equals"]:
        return f"{field['path']} is {json.dumps(actual)}, expected {json.dumps(field['equals'])}"
    return None


def _dig(document: Any, path: str) -> Any:
    current = document
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _command_attempt(spec: Mapping[str, Any]) -> dict[str, Any]:
    timeout = float(spec.get("timeout_seconds", 5.0))
    try:
        completed = subprocess.run(  # argv configured by admins; no shell
            list(spec["argv"]),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"passed": False, "reason": f"still running after {timeout:g} s; killed"}
    except OSError as error:
        return {"passed": False, "reason": f"could not start: {error.strerror or error}"}
    expected = int(spec.get("expected_exit_code", 0))
    output = (completed.stdout + completed.stderr).decode(errors="replace")[-OUTPUT_TAIL:]
    if completed.returncode == expected:
        return {"passed": True, "exit_code": completed.returncode, "reason": None}
    return {
        "passed": False,
        "exit_code": completed.returncode,
        "reason": f"exit code {completed.returncode}, expected {expected}: {output.strip()}",
    }


def _result(
    spec: Mapping[str, Any], status: str, attempts: int, seconds: float, **more: Any
) -> dict[str, Any]:
    result = {
        "key": spec.get("key"),
        "kind": spec.get("kind"),
        "status": status,
        "attempts": attempts,
        "duration_ms": int(seconds * 1000),
        "reason": more.get("reason"),
    }
    if spec.get("kind") == "http":
        result["http_status"] = more.get("http_status")
    else:
        result["exit_code"] = more.get("exit_code")
    return result
