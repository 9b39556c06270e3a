"""``premiere deploy run`` and ``premiere deployments promote|rollback``: the commands that
can perform a deployment by running the pipeline's own deploy command."""

from __future__ import annotations

import os
from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, environment_option, json_option, project_option
from premiere.cli.deployments import ci_env
from premiere.cli.deployments.checks import checks
from premiere.cli.deployments.commands import (
    EXIT_CODES_HELP,
    announce,
    build_body,
    deployments,
    deployments_api,
    quiet_option,
    target_options,
    wait_option,
)
from premiere.cli.deployments.flow import Deployments, note, perform
from premiere.cli.exits import BadUsage, NotFound

RUNS_A_COMMAND = {"allow_interspersed_args": False}
deployments.add_command(checks)
command_argument = click.argument("command", nargs=-1, type=click.UNPROCESSED)


@click.group()
def deploy() -> None:
    """Deploy with Premiere watching: your deploy command, recorded and verified."""


@deploy.command("run", context_settings=RUNS_A_COMMAND, epilog=EXIT_CODES_HELP)
@target_options
@wait_option
@project_option
@api_options
@json_option
@command_argument
def deploy_run(command: tuple[str, ...], wait: int, as_json: bool, **params: Any) -> None:
    """Record a deployment, run COMMAND for it, and record how it went.

    \b
      premiere deploy run --service api --version 1.4.2 --env staging \\
          --scan src -- ./deploy.sh staging

    Records the deployment as in progress, runs COMMAND with PREMIERE_DEPLOYMENT_ID,
    PREMIERE_PROJECT, PREMIERE_SERVICE, PREMIERE_VERSION, PREMIERE_ENVIRONMENT and
    PREMIERE_COMMIT added to its environment, streams its output (the last lines
    are kept as the log excerpt), records the outcome and duration, then waits for
    the service's verification checks and prints them. Ctrl-C (or SIGTERM) is
    passed to COMMAND and the deployment is recorded as failed ("interrupted"); a
    second one kills COMMAND. A retry with the same idempotency key does not record
    a second deployment, and does not run COMMAND again once the first has ended.
    """
    if not command:
        raise BadUsage("give the deploy command after --, e.g. -- ./deploy.sh staging")
    api = deployments_api()
    deployment = api.create(build_body(params, "in_progress"))
    click.get_current_context().exit(perform(api, deployment, command, wait=wait, as_json=as_json))


@deployments.command("promote", context_settings=RUNS_A_COMMAND, epilog=EXIT_CODES_HELP)
@click.option("--service", "-s", required=True, help="Service key.")
@click.option("--from", "source", required=True, help="Environment whose version to promote.")
@click.option("--to", "target", required=True, help="Environment to deploy that version to.")
@click.option("--idempotency-key", help="[default: from the CI job, see docs/pipelines.md]")
@click.option(
    "--run", "run", is_flag=True, help="Perform it: run COMMAND (after --) as deploy run does."
)
@wait_option
@quiet_option
@project_option
@api_options
@json_option
@command_argument
def deployments_promote(
    service: str, source: str, target: str, idempotency_key: str | None, run: bool,
    wait: int, quiet: bool, as_json: bool, command: tuple[str, ...],
) -> None:  # fmt: skip
    """Promote the version --service runs in --from to --to.

    Records a pending deployment of that version (same commit and features) in --to.
    With --run -- COMMAND it performs it as `premiere deploy run` does; otherwise
    deploy it your way and then report with `premiere deployments finish ID`.
    """
    _validate_run(run, command)
    key = ci_env.idempotency_key(idempotency_key, os.environ, "promote", service, source, target)
    body = {"service": service, "from": source, "to": target, "idempotency_key": key}
    api = deployments_api()
    deployment = api.client.post(api.url("promote"), {k: v for k, v in body.items() if v})
    if run:
        click.get_current_context().exit(
            perform(api, deployment, command, wait=wait, as_json=as_json)
        )
    announce(deployment, "Promoted", as_json, quiet)
    if not (as_json or quiet):
        note(f"Deploy it, then: premiere deployments finish {deployment['id']} --outcome succeeded")


@deployments.command("rollback", context_settings=RUNS_A_COMMAND, epilog=EXIT_CODES_HELP)
@click.option("--id", "deployment_id", type=int, help="The deployment to roll back.")
@click.option("--service", "-s", help="With --env instead of --id: roll back what runs there.")
@environment_option(help="Environment key.")
@click.option("--reason", help="Why (kept with the deployment).")
@click.option("--idempotency-key", help="[default: from the CI job, see docs/pipelines.md]")
@click.option(
    "--run", "run", is_flag=True, help="Perform it: run COMMAND (after --) as deploy run does."
)
@wait_option
@quiet_option
@project_option
@api_options
@json_option
@command_argument
def deployments_rollback(
    deployment_id: int | None, service: str | None, environment: str | None,
    reason: str | None, idempotency_key: str | None, run: bool, wait: int, quiet: bool,
    as_json: bool, command: tuple[str, ...],
) -> None:  # fmt: skip
    """Roll back deployment --id (or what --service runs in --env).

    With --service and --env it rolls back the deployment that runs there (as the
    environment matrix shows it, also when its verification failed). Records a pending
    deployment of the version that succeeded there before it. With --run -- COMMAND it
    performs it as `premiere deploy run` does.
    """
    _validate_run(run, command)
    api = deployments_api()
    if deployment_id is None:
        deployment_id = _current(api, service, environment)
    key = ci_env.idempotency_key(idempotency_key, os.environ, "rollback", str(deployment_id))
    body = {"idempotency_key": key, "reason": reason}
    url = api.url(deployment_id, "rollback")
    deployment = api.client.post(url, {k: v for k, v in body.items() if v})
    if run:
        click.get_current_context().exit(
            perform(api, deployment, command, wait=wait, as_json=as_json)
        )
    announce(deployment, "Rolling back with", as_json, quiet)
    if not (as_json or quiet):
        note(f"Deploy it, then: premiere deployments finish {deployment['id']} --outcome succeeded")


def _validate_run(run: bool, command: tuple[str, ...]) -> None:
    if run and not command:
        raise BadUsage("--run needs the deploy command after --, e.g. --run -- ./deploy.sh")
    if command and not run:
        raise BadUsage(f"unexpected arguments {' '.join(command)!r}; add --run to run a command")


def _current(api: Deployments, service: str | None, environment: str | None) -> int:
    """The deployment that runs --service in --env: the environment matrix's cell, so
    that rollback and the matrix agree on what runs (a deployment whose verification
    failed runs too)."""
    if not service or not environment:
        raise BadUsage("give --id, or --service and --env")
    matrix = api.client.get(
        path("projects", api.project, "environment-matrix"), {"service": service}
    )
    if environment not in matrix.get("environments", []):
        raise NotFound(f"environment {environment!r} does not exist in project {api.project!r}")
    cells = matrix["services"][0]["environments"] if matrix.get("services") else {}
    cell = cells.get(environment)
    if not cell:
        raise NotFound(f"nothing of {service} runs in {environment}: there is nothing to roll back")
    return int(cell["deployment_id"])
