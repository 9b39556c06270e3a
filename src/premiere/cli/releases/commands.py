"""``premiere releases``: define, approve, start and steer releases.

A release opens deployed features to users: its flags, the environment, the audience,
the rollout plan (stages with holds), approvals and release notes. `premiere worker`
(or the server's scheduler) advances the stages; these commands start, pause, resume,
advance and roll back by hand. See docs/releases-walkthrough.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from premiere.cli.aliases import AliasedGroup
from premiere.cli.context import (
    api_options,
    environment_option,
    json_option,
    known_environment,
    project_option,
)
from premiere.cli.exits import BadUsage, CliError, in_option_words
from premiere.cli.output import emit_json, say
from premiere.cli.releases.remote import ProjectApi, clean, flag_variations, project_api
from premiere.cli.releases.spec import __doc__ as SPEC_HELP
from premiere.cli.releases.spec import definition, keep_pacing, load_file
from premiere.cli.releases.views import (
    show_approvals,
    show_guard_decisions,
    show_history,
    show_readiness,
    show_release,
    show_releases,
)
from premiere.cli.releases.watch import watch_release

F = TypeVar("F", bound=Callable[..., Any])
STATES = ["draft", "scheduled", "ready", "rolling_out", "paused", "released", "rolled_back"]
NOT_READY = 1


@click.group(cls=AliasedGroup, aliases={"guards": "guard-decisions"}, epilog=SPEC_HELP)
def releases() -> None:
    """Define releases, check their readiness, approve, start, pause, roll back.

    A release turns its flags on for its audience in one environment, stage by stage
    (e.g. staff, 5%, 25%, 100%), once the code that carries them is deployed and
    verified there and the release is approved.
    """


OPTION_FIELDS = {
    "hold": {r"^plan\.stages\[\d+\]\.hold": "--hold"},
    "stages": {r"^plan\.stages\b": "--stages"},
    "flags": {r"^features\b": "--flag"},
    "environment": {r"^environment$": "--env"},
    "approvals": {r"^required_approvals$": "--approvals"},
    "audience": {r"^audience\b": "--audience"},
}
"""The options of a release definition and the fields they set, for the server's errors."""


def send(options: dict[str, Any], request: Callable[[], Any]) -> Any:
    """``request()``, its validation errors named by the options that set the fields."""
    try:
        return request()
    except CliError as exc:
        given: dict[str, str] = {}
        for option, fields in OPTION_FIELDS.items():
            if options.get(option):
                given.update(fields)
        raise in_option_words(exc, given) from None


def definition_options(func: F) -> F:
    """What a release is: from --file, from options, or both (options win)."""
    options = [
        click.option("--file", "-f", "file", type=click.Path(dir_okay=False, path_type=Path),
                     help="A release definition (JSON as the API takes it; YAML with PyYAML)."),
        click.option("--name", help="Display name."),
        click.option("--description", help="What the release is about."),
        environment_option(help="The environment the release opens in, e.g. production."),
        click.option("--flag", "flags", multiple=True, metavar="KEY=VALUE",
                     help="A flag and the variation it serves (repeat): new-checkout=true."),
        click.option("--min-version", "min_versions", multiple=True, metavar="SERVICE=VERSION",
                     help="The flags' code needs at least this version deployed (repeatable)."),
        click.option("--audience", metavar="SEGMENT",
                     help="Only ever open to this segment. [default: everyone]"),
        click.option("--stages", help="The rollout plan: 'staff,1%,5%,25%,100%'."),
        click.option("--hold", metavar="DURATION", help="How long each stage holds: 10m, 1h."),
        click.option("--advance", type=click.Choice(["auto", "manual"]),
                     help="How stages advance after their hold. [server default: auto]"),
        click.option("--approvals", type=click.IntRange(0), help="Approvals needed to start."),
        click.option("--notes-title", help="Release note title."),
        click.option("--notes-body", help="Release note body (Markdown; @FILE reads a file)."),
        click.option("--category", type=click.Choice(["new", "improved", "fixed"]),
                     help="Release note category."),
        click.option("--start-at", help="When to start (RFC 3339), once scheduled and ready."),
        click.option("--timezone", help="IANA time zone of the schedule, e.g. Europe/Berlin."),
        click.option("--train", help="Ride this release train (its next departure)."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _body(
    api: ProjectApi, key: str | None, options: dict[str, Any], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The release definition from --file and the options; ``base`` under the file."""
    file = options.pop("file", None)
    data = {**(base or {}), **(load_file(file) if file is not None else {})}
    notes_body = options.get("notes_body")
    if isinstance(notes_body, str) and notes_body.startswith("@"):
        try:
            options["notes_body"] = Path(notes_body[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadUsage(f"--notes-body {notes_body}: {exc.strerror}") from None
    return definition(data, {**options, "key": key}, lambda flag: api.get("flags", flag))


@releases.command("create")
@click.argument("key", required=False)
@definition_options
@project_option
@api_options
@json_option
def releases_create(key: str | None, as_json: bool, **options: Any) -> None:
    """Create release KEY (a draft) from --file and/or options.

    \b
    premiere releases create spring-checkout --env production \\
        --flag new-checkout=true --flag payments-v2=true \\
        --stages 'staff,5%,25%,100%' --hold 1h --approvals 1 \\
        --notes-title 'A faster checkout' --category improved
    """
    api = project_api()
    body = _body(api, key, options)
    if not body.get("key"):
        raise BadUsage('give the release KEY (or a "key" in --file)')
    if not body.get("environment"):
        raise BadUsage('give --env (or an "environment" in --file)')
    release = send(options, lambda: api.post("releases", body=body))
    if as_json:
        emit_json(release)
        return
    say(f"Created release {release['key']} ({release.get('state')}).")
    say(f"See what it still needs: premiere releases readiness {release['key']}")


@releases.command("update")
@click.argument("key")
@definition_options
@project_option
@api_options
@json_option
def releases_update(key: str, as_json: bool, **options: Any) -> None:
    """Change release KEY (draft, scheduled or ready); a change voids its approvals.

    \b
    --stages replaces the list of stages but keeps their pacing: the stage at each
    position keeps its hold and how it advances; stages added past the old end take
    those of the old last stage. --hold and --advance, when given, set them for every
    stage (--hold alone keeps each stage's advance mode, and the other way round).
    """
    api = project_api()
    current, version = api.get_versioned("releases", key)
    restage = (options.get("hold") or options.get("advance")) and not options.get("stages")
    body = _body(api, None, options, base={"plan": current.get("plan")} if restage else {})
    body.pop("key", None)
    if options.get("stages"):  # matched by position, stages keep their hold and advance
        stages = (current.get("plan") or {}).get("stages") or []
        body["plan"]["stages"] = keep_pacing(body["plan"]["stages"], stages)
    if not body:
        raise BadUsage("nothing to change: give options or --file")
    version = version or current.get("version")
    release = send(options, lambda: api.patch("releases", key, body=body, version=version))
    if as_json:
        emit_json(release)
        return
    voided = (current.get("approvals") or {}).get("valid", 0) > (
        release.get("approvals") or {}
    ).get("valid", 0)
    say(f"Updated release {key} (version {release.get('version')}).")
    if voided:
        say("Its approvals no longer count: the release changed since they were given.")


@releases.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only releases in this state.")
@environment_option(help="Only this environment's.")
@project_option
@api_options
@json_option
def releases_list(state: str | None, environment: str | None, as_json: bool) -> None:
    """List the project's releases."""
    items = project_api().get("releases", params={"state": state, "environment": environment})
    known_environment(environment, items)
    if as_json:
        emit_json(items)
        return
    show_releases("Releases", items, flag_variations(project_api()))


@releases.command("get")
@click.argument("key")
@project_option
@api_options
@json_option
def releases_get(key: str, as_json: bool) -> None:
    """Show release KEY: state, stage, features, plan, approvals, notes."""
    api = project_api()
    release = api.get("releases", key)
    if as_json:
        emit_json(release)
        return
    show_release(release, flag_variations(api))


@releases.command("readiness")
@click.argument("key")
@click.option("--exit-code", is_flag=True, help=f"Exit with {NOT_READY} when it is not ready.")
@project_option
@api_options
@json_option
def releases_readiness(key: str, exit_code: bool, as_json: bool) -> None:
    """What release KEY still needs before it can start (deployments, approvals, ...)."""
    readiness = project_api().get("releases", key, "readiness")
    if as_json:
        emit_json(readiness)
    else:
        show_readiness(readiness)
    if exit_code and not readiness.get("ready"):
        click.get_current_context().exit(NOT_READY)


@releases.command("approve")
@click.argument("key")
@click.option("--comment", "-m", help="Why it is fine to ship.")
@project_option
@api_options
@json_option
def releases_approve(key: str, comment: str | None, as_json: bool) -> None:
    """Approve release KEY as it is now (nobody approves their own release)."""
    approval = project_api().post("releases", key, "approvals", body=clean({"comment": comment}))
    if as_json:
        emit_json(approval)
        return
    say(f"Approved release {key} as {(approval.get('approver') or {}).get('name')}.")


@releases.command("approvals")
@click.argument("key")
@project_option
@api_options
@json_option
def releases_approvals(key: str, as_json: bool) -> None:
    """List the approvals of release KEY (void ones were given to an earlier version)."""
    items = project_api().get("releases", key, "approvals")
    if as_json:
        emit_json(items)
        return
    show_approvals(key, items)


@releases.command("history")
@click.argument("key")
@project_option
@api_options
@json_option
def releases_history(key: str, as_json: bool) -> None:
    """The state changes of release KEY, oldest first, with who made them and why."""
    items = project_api().get("releases", key, "history")
    if as_json:
        emit_json(items)
        return
    show_history(key, items)


@releases.command("guard-decisions")
@click.argument("key")
@project_option
@api_options
@json_option
def releases_guard_decisions(key: str, as_json: bool) -> None:
    """The guards' verdicts on release KEY, oldest first (healthy, insufficient, regressed)."""
    items = project_api().get("releases", key, "guard-decisions")
    if as_json:
        emit_json(items)
        return
    show_guard_decisions(key, items)


@releases.command("watch")
@click.argument("key")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=2.0, show_default=True,
              help="Seconds between polls.")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(0), help="Stop watching after this many seconds.")
@click.option("--until-stage", metavar="STAGE",
              help="Stop at this stage: its number (from 1) or label (50%, staff).")  # fmt: skip
@project_option
@api_options
@json_option
def releases_watch(
    key: str, interval: float, timeout: float | None, until_stage: str | None, as_json: bool
) -> None:
    """Follow release KEY's state and stage until it is released or rolled back (Ctrl-C stops
    watching; the release goes on). --json prints one JSON line per change.

    \b
    Exit codes: 0 released (or --until-stage reached), 1 rolled back,
    11 still going when --timeout ran out, 130 interrupted."""
    watch_release(project_api(), key, interval=interval, timeout=timeout, as_json=as_json,
                  until_stage=until_stage)  # fmt: skip
