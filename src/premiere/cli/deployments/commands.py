"""``premiere deployments`` and ``premiere deploy``: what a pipeline tells Premiere.

A pipeline either wraps its deploy step (``premiere deploy run ... -- ./deploy.sh``)
or reports around it (``deployments start`` before, ``deployments finish`` after, or
one ``deployments record`` when it is done). See docs/pipelines.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from premiere.cli.aliases import AliasedGroup
from premiere.cli.client import path
from premiere.cli.context import (
    api_options,
    environment_option,
    get_obj,
    json_option,
    known_environment,
    project_option,
)
from premiere.cli.deployments import ci_env
from premiere.cli.deployments.flow import Deployments, exit_code_for, note, waiting
from premiere.cli.deployments.run import Tail
from premiere.cli.deployments.scan_command import scan_path
from premiere.cli.deployments.views import (
    show_dark_code,
    show_deployment,
    show_deployments,
    show_matrix,
    show_verification,
)
from premiere.cli.exits import BadUsage
from premiere.cli.output import emit_json, say

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_WAIT = 300
EXIT_CODES_HELP = """\b
Exit codes: 0 deployed (and verified); the command's own code when it fails;
127 when the command is not found, 126 when it cannot be started; 130 when
interrupted (Ctrl-C/SIGTERM are forwarded to the command); 10 when a verification
check failed; 11 when checks were still running after --wait; and the common codes
of `premiere` (3 not found, 4 conflict or invalid state change, 5 unreachable, 6 auth)."""


def deployments_api() -> Deployments:
    obj = get_obj()
    return Deployments(obj.client, obj.project_key())


def wait_option(func: F) -> F:
    return click.option(
        "--wait",
        type=click.IntRange(0, 3600),
        default=DEFAULT_WAIT,
        show_default=True,
        help="Seconds to wait for the verification checks (0: do not wait).",
    )(func)


def target_options(func: F) -> F:
    """What is deployed where, and the facts a pipeline knows about it."""
    options = [
        click.option("--service", "-s", required=True, help="Service key, e.g. api."),
        click.option(
            "--version", "-v", "version", required=True, help="The version deployed, e.g. 1.4.2."
        ),
        environment_option(required=True, help="Environment key, e.g. staging."),
        click.option(
            "--commit", help="Commit SHA. [default: GITHUB_SHA, CI_COMMIT_SHA, or git HEAD]"
        ),
        click.option(
            "--commit-time", help="Commit time, RFC 3339. [default: CI_COMMIT_TIMESTAMP or git]"
        ),
        click.option("--artifact", help="What was deployed: an image reference, a package URL."),
        click.option(
            "--pipeline-url",
            help="Link to the pipeline run. [default: from GitHub/GitLab variables]",
        ),
        click.option(
            "--features",
            multiple=True,
            metavar="KEYS",
            help="Flag keys this version carries, comma-separated; repeatable.",
        ),
        click.option(
            "--scan",
            "scan_root",
            type=click.Path(exists=True, path_type=Path),
            help="Find the flag keys in the source code under this path (as `premiere scan`).",
        ),
        click.option(
            "--fix",
            is_flag=True,
            default=False,
            help="This deployment fixes a failure (counted as deployment rework).",
        ),
        click.option(
            "--idempotency-key",
            help="Retries with the same key record one deployment. "
            "[default: from the CI job, see docs/pipelines.md]",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_body(params: dict[str, Any], status: str) -> dict[str, Any]:
    """The POST body for a new deployment, CI defaults filled in."""
    env = os.environ
    commit = params["commit"] or ci_env.commit_sha(env)
    if not commit:
        raise BadUsage("no commit: give --commit SHA (or run inside a git checkout or CI job)")
    features = {f.strip() for item in params["features"] for f in item.split(",") if f.strip()}
    if params["scan_root"] is not None:
        features |= set(scan_path(params["scan_root"]).flag_keys())
    service, environment = params["service"], params["environment"]
    return {
        "service": service,
        "environment": environment,
        "version": params["version"],
        "commit_sha": commit,
        "commit_time": params["commit_time"] or ci_env.commit_time(env, commit),
        "artifact": params["artifact"],
        "pipeline_url": params["pipeline_url"] or ci_env.pipeline_url(env),
        "features": sorted(features) if features or params["features"] else None,
        "status": status,
        "fix": True if params.get("fix") else None,
        "idempotency_key": ci_env.idempotency_key(
            params["idempotency_key"], env, service, environment, params["version"]
        ),
    }


def announce(deployment: dict[str, Any], verb: str, as_json: bool, quiet: bool) -> None:
    if as_json:
        emit_json(deployment)
    elif quiet:
        click.echo(deployment["id"])
    else:
        say(
            f"{verb} deployment #{deployment['id']}: {deployment.get('service')} "
            f"{deployment.get('version')} to {deployment.get('environment')} "
            f"({deployment.get('status')})."
        )


quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print only the deployment id.")


@click.group(cls=AliasedGroup, aliases={"matrix": "environment-matrix"})
def deployments() -> None:
    """Record deployments from pipelines; list, promote and roll them back.

    Works with a deploy token: `premiere tokens create --scope deploy`, then
    PREMIERE_TOKEN=<token> in the pipeline.
    """


@deployments.command("record", epilog=EXIT_CODES_HELP)
@target_options
@click.option(
    "--status",
    type=click.Choice(["pending", "in_progress", "succeeded", "failed"]),
    default="succeeded",
    show_default=True,
    help="succeeded/failed record a finished deployment (and run its checks).",
)
@click.option("--reason", help="Why it failed (with --status failed).")
@click.option(
    "--log-file",
    type=click.File("r"),
    help="Keep this file's tail as the log excerpt ('-': stdin).",
)
@wait_option
@quiet_option
@project_option
@api_options
@json_option
def deployments_record(
    status: str, reason: str | None, log_file: Any, wait: int, quiet: bool, as_json: bool,
    **params: Any,
) -> None:  # fmt: skip
    """Record a deployment the pipeline made (or is about to make)."""
    api = deployments_api()
    final = status in ("succeeded", "failed")
    deployment = api.create(build_body(params, "in_progress" if final else status))
    if not final:
        announce(deployment, "Recorded", as_json, quiet)
        return
    with waiting(deployment["id"]) as tick:
        if deployment.get("status") == "in_progress":
            body = {"outcome": status, "reason": reason, "log_excerpt": _tail(log_file)}
            deployment = api.finish(deployment["id"], body, wait, tick)
        else:  # a retried step: recorded and reported before
            deployment = api.wait_final(deployment, time.monotonic() + wait, tick)
    _finished(deployment, wait, as_json, "id" if quiet else None, expected=status)


@deployments.command("start")
@target_options
@quiet_option
@project_option
@api_options
@json_option
def deployments_start(quiet: bool, as_json: bool, **params: Any) -> None:
    """Record that a deployment has started (in_progress); prints its id for `finish`."""
    deployment = deployments_api().create(build_body(params, "in_progress"))
    if deployment.get("status") == "pending":
        deployment = deployments_api().set_status(deployment["id"], "in_progress")
    announce(deployment, "Started", as_json, quiet)


@deployments.command("finish", epilog=EXIT_CODES_HELP)
@click.argument("deployment_id", type=int)
@click.option("--outcome", type=click.Choice(["succeeded", "failed"]), required=True,
              help="How the deployment step ended; succeeded runs the checks.")  # fmt: skip
@click.option("--reason", help="Why it failed.")
@click.option(
    "--duration-ms", type=click.IntRange(0), help="How long it took. [default: since start]"
)
@click.option(
    "--log-file",
    type=click.File("r"),
    help="Keep this file's tail as the log excerpt ('-': stdin).",
)
@wait_option
@click.option("--quiet", "-q", is_flag=True, help="Print only the final status.")
@project_option
@api_options
@json_option
def deployments_finish(
    deployment_id: int, outcome: str, reason: str | None, duration_ms: int | None,
    log_file: Any, wait: int, quiet: bool, as_json: bool,
) -> None:  # fmt: skip
    """Record how deployment DEPLOYMENT_ID ended; wait for its checks and print them."""
    api = deployments_api()
    body = {"outcome": outcome, "reason": reason, "duration_ms": duration_ms,
            "log_excerpt": _tail(log_file)}  # fmt: skip
    current = api.get(deployment_id)
    if current.get("status") in ("succeeded", "failed", "rolled_back", "verifying"):
        note(f"Deployment #{deployment_id} is already {current['status']}.")
        with waiting(deployment_id) as tick:
            deployment = api.wait_final(current, time.monotonic() + wait, tick)
    else:
        if current.get("status") == "pending":
            api.set_status(deployment_id, "in_progress")
        with waiting(deployment_id) as tick:
            deployment = api.finish(deployment_id, body, wait, tick)
    _finished(deployment, wait, as_json, "status" if quiet else None, expected=outcome)


def _finished(
    deployment: dict[str, Any], wait: int, as_json: bool, only: str | None, expected: str
) -> None:
    """Print a finished (or still verifying) deployment, or ``only`` one field of it,
    and exit with its code."""
    if as_json:
        emit_json(deployment)
    elif only:
        click.echo(deployment[only])
    else:
        show_deployment(deployment)
        show_verification(deployment)
    reported_failure = expected == "failed" and deployment.get("status") == "failed"
    code = 0 if reported_failure else exit_code_for(deployment, None, wait)
    click.get_current_context().exit(code)


def _tail(log_file: Any) -> str | None:
    if log_file is None:
        return None
    tail = Tail()
    for line in log_file:
        tail.add(line.rstrip("\n"))
    return tail.text()


# -- reading ------------------------------------------------------------------------------


@deployments.command("get")
@click.argument("deployment_id", type=int)
@project_option
@api_options
@json_option
def deployments_get(deployment_id: int, as_json: bool) -> None:
    """Show deployment DEPLOYMENT_ID with its verification checks and log excerpt."""
    deployment = deployments_api().get(deployment_id)
    if as_json:
        emit_json(deployment)
        return
    show_deployment(deployment)
    show_verification(deployment)
    if deployment.get("log_excerpt"):
        cut = " (last lines)" if deployment.get("log_truncated") else ""
        say(f"Log{cut}:\n{deployment['log_excerpt']}")


def filter_options(func: F) -> F:
    options = [
        click.option(
            "--status", type=click.Choice(STATUSES), help="Only deployments in this status."
        ),
        click.option("--version", "-v", "version", help="Only this version."),
        click.option("--since", help="Only deployments created at or after this time (RFC 3339)."),
        click.option("--until", help="Only deployments created before this time (RFC 3339)."),
        click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


STATUSES = ["pending", "in_progress", "verifying", "succeeded", "failed", "rolled_back"]


@deployments.command("list")
@click.option("--service", "-s", help="Only this service's deployments.")
@environment_option(help="Only this environment's.")
@filter_options
@click.option("--cursor", help="Continue where the previous page ended.")
@project_option
@api_options
@json_option
def deployments_list(as_json: bool, cursor: str | None, **filters: Any) -> None:
    """List deployments, newest first (one page; --cursor for the next)."""
    page = deployments_api().client.get(deployments_api().url(), {**filters, "cursor": cursor})
    known_environment(filters.get("environment"), page.get("items"))
    if as_json:
        emit_json(page)
        return
    show_deployments("Deployments", page.get("items", []))
    if page.get("next_cursor"):
        say(f"More: add --cursor {page['next_cursor']}")


@deployments.command("history")
@click.option("--service", "-s", required=True, help="Service key.")
@environment_option(required=True, help="Environment key.")
@filter_options
@project_option
@api_options
@json_option
def deployments_history(as_json: bool, limit: int, **filters: Any) -> None:
    """What ran in one environment over time: a service's deployments there, newest first."""
    api = deployments_api()
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < limit:
        params = {**filters, "limit": min(limit - len(items), 500), "cursor": cursor}
        page = api.client.get(api.url(), params)
        items += page.get("items", [])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    known_environment(filters["environment"], items)
    if as_json:
        emit_json(items)
        return
    show_deployments(f"{filters['service']} in {filters['environment']}", items)


@deployments.command("environment-matrix")
@click.option("--service", "-s", help="Only this service.")
@project_option
@api_options
@json_option
def deployments_environment_matrix(service: str | None, as_json: bool) -> None:
    """Which version of each service runs in each environment (✓ verified)."""
    obj = get_obj()
    url = path("projects", obj.project_key(), "environment-matrix")
    matrix = obj.client.get(url, {"service": service})
    if as_json:
        emit_json(matrix)
        return
    show_matrix(matrix)


@deployments.command("dark-code")
@project_option
@api_options
@json_option
def deployments_dark_code(as_json: bool) -> None:
    """Flags whose code is deployed where the flag is still off: code waiting for a release."""
    obj = get_obj()
    found = obj.client.get(path("projects", obj.project_key(), "dark-code"))
    if as_json:
        emit_json(found)
        return
    show_dark_code(found)
