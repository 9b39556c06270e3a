"""Performing a recorded deployment: run the command, finish, wait for the verification checks.

Shared by ``premiere deploy run``, ``deployments finish``, ``deployments promote --run``
and ``deployments rollback --run``. Exit codes (besides the CLI's common ones):

- the command's own exit code when it fails (1 if it could not say), 128 + N when
  interrupted by signal N (130 for Ctrl-C);
- ``VERIFICATION_FAILED`` (10) when the command succeeded but a verification check failed;
- 1 (``ERROR``) for a deployment that had already failed otherwise (a retried step);
- ``STILL_VERIFYING`` (11) when the checks had not finished when ``--wait`` ran out.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.text import Text

from premiere.cli.client import ApiClient, path
from premiere.cli.deployments.run import (
    COMMAND_NOT_FOUND,
    COMMAND_NOT_RUNNABLE,
    RunOutcome,
    run_command,
)
from premiere.cli.deployments.views import show_deployment, show_verification
from premiere.cli.exits import ERROR, CliError
from premiere.cli.output import console, emit_json

VERIFICATION_FAILED = 10
STILL_VERIFYING = 11
FINAL = frozenset({"succeeded", "failed", "rolled_back"})
SERVER_WAIT = 10  # seconds per finish call; the CLI's HTTP timeout is 15
POLL_SECONDS = 1.0

DEPLOY_EXIT_CODES: list[tuple[str, str]] = [
    ("0", "deployed (and verified, when the service has checks)"),
    ("the command's code", "the deployment command failed"),
    (
        f"{COMMAND_NOT_FOUND}, {COMMAND_NOT_RUNNABLE}",
        "the deployment command could not be started: not found, or not executable",
    ),
    ("130 (128 + signal)", "interrupted: Ctrl-C or SIGTERM, forwarded to the command"),
    (str(VERIFICATION_FAILED), "the command succeeded, a verification check failed"),
    (str(STILL_VERIFYING), "the checks were still running when --wait ran out"),
]


class Deployments:
    """The deployments of one project, over the API."""

    def __init__(self, client: ApiClient, project: str) -> None:
        self.client = client
        self.project = project

    def url(self, *parts: str | int) -> str:
        return path("projects", self.project, "deployments", *(str(p) for p in parts))

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        clean = {k: v for k, v in body.items() if v is not None}
        result: dict[str, Any] = self.client.post(self.url(), clean)
        return result

    def get(self, deployment_id: int | str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.get(self.url(deployment_id))
        return result

    def set_status(self, deployment_id: int, status: str, **extra: Any) -> dict[str, Any]:
        body = {"status": status, **{k: v for k, v in extra.items() if v is not None}}
        result: dict[str, Any] = self.client.post(self.url(deployment_id, "status"), body)
        return result

    def finish(
        self, deployment_id: int, body: dict[str, Any], wait: float, on_wait: Callable[[], None]
    ) -> dict[str, Any]:
        """Finish and wait up to ``wait`` seconds for a final status (verification done)."""
        deadline = time.monotonic() + wait
        clean = {k: v for k, v in body.items() if v is not None}
        first = int(min(max(wait, 0), SERVER_WAIT))
        url = self.url(deployment_id, "finish") + f"?wait={first}"
        deployment: dict[str, Any] = self.client.post(url, clean)
        return self.wait_final(deployment, deadline, on_wait)

    def wait_final(
        self, deployment: dict[str, Any], deadline: float, on_wait: Callable[[], None]
    ) -> dict[str, Any]:
        while deployment.get("status") not in FINAL and time.monotonic() < deadline:
            on_wait()
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
            deployment = self.get(deployment["id"])
        return deployment


def exit_code_for(deployment: dict[str, Any], outcome: RunOutcome | None, wait: float) -> int:
    """The exit code that tells a pipeline how the deployment ended."""
    if outcome is not None and not outcome.succeeded:
        if outcome.interrupted:
            code = getattr(signal, outcome.interrupted, signal.SIGINT)
            return outcome.exit_code if outcome.exit_code > 128 else 128 + int(code)
        return outcome.exit_code or 1
    status = deployment.get("status")
    if status == "failed":
        verification = deployment.get("verification") or {}
        return VERIFICATION_FAILED if verification.get("status") == "failed" else ERROR
    if status not in FINAL and wait > 0:
        return STILL_VERIFYING
    return 0


def perform(
    deployments: Deployments,
    deployment: dict[str, Any],
    argv: Sequence[str],
    *,
    wait: float,
    as_json: bool,
) -> int:
    """Run ``argv`` for ``deployment`` (recorded, pending or in progress), finish it, wait
    for its verification and print the result; returns the exit code."""
    status = deployment.get("status")
    if status in FINAL or status == "verifying":
        note(f"Deployment #{deployment['id']} is already {status}; not running the command again.")
        with waiting(deployment["id"]) as tick:
            deployment = deployments.wait_final(deployment, time.monotonic() + wait, tick)
        return report(deployment, None, wait=wait, as_json=as_json)
    if status == "pending":
        deployment = deployments.set_status(deployment["id"], "in_progress")
    note(f"Deployment #{deployment['id']}: {_what(deployment)} (in progress)")
    outcome = _run(deployment, argv, to_stderr=as_json)
    body = {
        "outcome": "succeeded" if outcome.succeeded else "failed",
        "log_excerpt": outcome.log_excerpt,
        "duration_ms": outcome.duration_ms,
        "reason": outcome.reason,
    }
    with waiting(deployment["id"]) as tick:
        deployment = deployments.finish(deployment["id"], body, wait, tick)
    return report(deployment, outcome, wait=wait, as_json=as_json)


def report(
    deployment: dict[str, Any], outcome: RunOutcome | None, *, wait: float, as_json: bool
) -> int:
    code = exit_code_for(deployment, outcome, wait)
    if as_json:
        emit_json(deployment)
    else:
        show_deployment(deployment)
        show_verification(deployment)
        if deployment.get("status") not in FINAL:
            note(
                f"Still {deployment.get('status')}; see `premiere deployments get "
                f"{deployment['id']}`."
            )
    return code


def deployment_env(deployment: dict[str, Any]) -> dict[str, str]:
    """This process's environment plus the PREMIERE_* variables the command reads."""
    extra = {
        "PREMIERE_DEPLOYMENT_ID": str(deployment["id"]),
        "PREMIERE_PROJECT": str(deployment.get("project") or ""),
        "PREMIERE_SERVICE": str(deployment.get("service") or ""),
        "PREMIERE_VERSION": str(deployment.get("version") or ""),
        "PREMIERE_ENVIRONMENT": str(deployment.get("environment") or ""),
        "PREMIERE_COMMIT": str(deployment.get("commit_sha") or ""),
    }
    return {**os.environ, **extra}


def _run(deployment: dict[str, Any], argv: Sequence[str], *, to_stderr: bool) -> RunOutcome:
    env = deployment_env(deployment)
    out = console(stderr=to_stderr)
    if not out.is_terminal:
        stream = sys.stderr if to_stderr else sys.stdout

        def plain(line: str) -> None:
            stream.write(line + "\n")
            stream.flush()

        return run_command(argv, env=env, on_line=plain)
    title = f"Deploying {_what(deployment)}"
    with out.status(title) as status:
        return run_command(
            argv,
            env=env,
            on_line=lambda line: out.print(Text.from_ansi(line)),
            on_tick=lambda elapsed: status.update(f"{title} · {_seconds(elapsed)}"),
        )


class StoppedWaiting(CliError):
    """Ctrl-C while waiting for the checks: the deployment itself goes on in the server."""

    exit_code = 128 + int(signal.SIGINT)


@contextmanager
def waiting(deployment_id: int | str) -> Iterator[Callable[[], None]]:
    """While the checks run: a spinner with elapsed time on a terminal (stderr), and
    Ctrl-C reported as :class:`StoppedWaiting` (exit code 130) instead of a traceback."""
    out = console(stderr=True)
    try:
        if not out.is_terminal:
            yield lambda: None
            return
        started = time.monotonic()
        with out.status("Verifying…") as status:
            yield lambda: status.update(f"Verifying… {_seconds(time.monotonic() - started)}")
    except KeyboardInterrupt:
        raise StoppedWaiting(
            f"stopped waiting for deployment #{deployment_id}; see how it ends with "
            f"`premiere deployments get {deployment_id}`"
        ) from None


def note(message: str) -> None:
    """A progress message for people, on stderr (stdout stays the command's and the result's)."""
    click.echo(message, err=True)


def _what(deployment: dict[str, Any]) -> str:
    service, version = deployment.get("service"), deployment.get("version")
    return f"{service} {version} to {deployment.get('environment')}"


def _seconds(elapsed: float) -> str:
    minutes, seconds = divmod(int(elapsed), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
