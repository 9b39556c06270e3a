"""``premiere tokens``: create, list and revoke API tokens.

With a token (``PREMIERE_TOKEN`` or ``--token``) these go through the API. Without
one they work on the database directly (``--database`` / ``PREMIERE_DATABASE_URL``),
which is how the machine that runs ``premiere serve`` makes its first tokens; SQLite
in WAL mode allows this while the server runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from premiere.cli.client import path
from premiere.cli.context import (
    CliContext,
    api_options,
    environment_option,
    get_obj,
    json_option,
    project_option,
)
from premiere.cli.exits import AuthFailed, BadUsage
from premiere.cli.output import emit_json, say, short_time, table
from premiere.cli.server.local import database_option, local_actor, open_store, settings_with

SCOPES = ("admin", "deploy", "sdk-server", "sdk-client", "feed")
ENVIRONMENT_SCOPES = ("sdk-server", "sdk-client")
LOST_ADMIN_TOKEN = "docs/operations.md#lost-admin-token"
T = TypeVar("T")


@click.group()
def tokens() -> None:
    """Create, list and revoke API tokens.

    \b
    Scopes:
      admin       everything
      deploy      read projects, environments and services
      sdk-server  the flag document of one environment
      sdk-client  the client-visible flags of one environment
      feed        one project's calendar feed (read only; may be sent in a URL)

    With PREMIERE_TOKEN (or --token) set these use the API. Without a token they
    open the server's database directly (--database, else PREMIERE_DATABASE_URL,
    else sqlite:///premiere.db), which must exist: they never create one. With
    PREMIERE_URL (or --url) set and no token they stop and say which token is needed,
    unless --database is given: that is how a lost admin token is replaced, where the
    database is (docs/operations.md#lost-admin-token).
    """


def _run(
    database_url: str | None,
    via_api: Callable[[CliContext], T],
    locally: Callable[[Any], T],
    doing: str,
) -> T:
    """Through the API with a token; without one, on the database --database (or else
    PREMIERE_DATABASE_URL) names, which must exist. A server named by PREMIERE_URL or
    --url without a token is an error that says which token is needed: the command
    never falls back to a database of its own."""
    obj = get_obj()
    if obj.token:
        return via_api(obj)
    source = click.get_current_context().get_parameter_source("database_url")
    if obj.url_given and source is not ParameterSource.COMMANDLINE:
        raise AuthFailed(
            f"PREMIERE_TOKEN is not set: an admin token is needed to {doing} on {obj.url}. "
            "Set PREMIERE_TOKEN (or --token); if no admin token is left, make one where the "
            "server's database is with `premiere tokens create --scope admin --database URL` "
            f"(see {LOST_ADMIN_TOKEN})."
        )
    url = settings_with(database_url).database_url
    missing = (
        "Without PREMIERE_TOKEN, `premiere tokens` works on the server's database: run it "
        "where that database is, naming it with --database (or PREMIERE_DATABASE_URL); "
        "to use a running server instead, set PREMIERE_URL and PREMIERE_TOKEN. "
        "`premiere serve` and `premiere demo` create a database."
    )
    with open_store(url, create=False, missing=missing) as store:
        return locally(store)


@tokens.command("create")
@click.option("--scope", type=click.Choice(SCOPES), required=True, help="What the token may do.")
@environment_option(help="Environment (required for sdk-server, sdk-client).")
@click.option("--name", help="What the token is for. [default: made from scope and environment]")
@click.option("--quiet", "-q", is_flag=True, help="Print only the token (for shell variables).")
@project_option
@database_option
@api_options
@json_option
def tokens_create(
    scope: str,
    environment: str | None,
    name: str | None,
    quiet: bool,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Create a token and print it (the only time it is shown)."""
    if scope in ENVIRONMENT_SCOPES and not environment:
        raise BadUsage(f"a {scope} token belongs to one environment: give --environment")

    def body(project: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {"scope": scope}
        data["name"] = name or " ".join(x for x in (scope, project, environment) if x)
        if project:
            data["project"] = project
        if environment:
            data["environment"] = environment
        return data

    def via_api(obj: CliContext) -> Any:
        project = obj.project_key() if _project_bound(scope, environment, obj.project) else None
        return obj.client.post(path("tokens"), body(project))

    def locally(store: Any) -> Any:
        from premiere.services import projects as project_service
        from premiere.services.people import tokens as token_service

        project = get_obj().project if scope != "admin" else None
        if not project and _project_bound(scope, environment, None):
            keys = [p["key"] for p in project_service.list_projects(store)]
            if len(keys) != 1:
                raise BadUsage(f"choose the project with --project (there are: {keys or 'none'})")
            project = keys[0]
        return token_service.create_token(store, local_actor(), body(project))

    _show_created(_run(database_url, via_api, locally, "create tokens"), quiet, as_json)


def _show_created(created: dict[str, Any], quiet: bool, as_json: bool) -> None:
    if quiet:
        click.echo(created["token"])
        return
    if as_json:
        emit_json(created)
        return
    where = [f"scope {created['scope']}"]
    where += [f"{k} {created[k]}" for k in ("project", "environment") if created.get(k)]
    click.echo(click.style("New token (shown only this once):\n", bold=True))
    click.echo(click.style(f"    {created['token']}\n", fg="green", bold=True))
    click.echo(f"id {created['id']}, {', '.join(where)}")


def _project_bound(scope: str, environment: str | None, given: str | None) -> bool:
    """Admin tokens are never limited to a project; deploy tokens when one is given."""
    if scope == "admin":
        return False
    return bool(given) or scope in ENVIRONMENT_SCOPES or environment is not None


@tokens.command("list")
@database_option
@api_options
@json_option
def tokens_list(database_url: str | None, as_json: bool) -> None:
    """List tokens (never their secrets), revoked ones included."""

    def locally(store: Any) -> Any:
        from premiere.services.people import tokens as token_service

        return token_service.list_tokens(store)

    items = _run(database_url, lambda obj: obj.client.get(path("tokens")), locally, "list tokens")
    if as_json:
        emit_json(items)
        return
    rows = [
        (t["id"], t.get("name"), _scope_text(t), short_time(t.get("created_at")),
         short_time(t.get("last_used_at")), short_time(t.get("revoked_at")))
        for t in items
    ]  # fmt: skip
    columns = ["id", "name", "scope", "created (UTC)", "last used", "revoked"]
    table("Tokens", columns, rows)


def _scope_text(token: dict[str, Any]) -> str:
    where = "/".join(token[k] for k in ("project", "environment") if token.get(k))
    return f"{token.get('scope')} {where}" if where else str(token.get("scope"))


@tokens.command("revoke")
@click.argument("token_id")
@database_option
@api_options
@json_option
def tokens_revoke(token_id: str, database_url: str | None, as_json: bool) -> None:
    """Revoke token TOKEN_ID: every server refuses it within 5 seconds."""

    def locally(store: Any) -> Any:
        from premiere.services.people import tokens as token_service

        return token_service.revoke_token(store, local_actor(), token_id)

    revoked = _run(
        database_url,
        lambda obj: obj.client.delete(path("tokens", token_id)),
        locally,
        "revoke tokens",
    )
    if as_json:
        emit_json(revoked)
    else:
        say(f"Revoked token {token_id}.")
