"""``premiere service-accounts``: what pipelines' deploy tokens belong to (needs an admin
of every project)."""

from __future__ import annotations

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option
from premiere.cli.output import emit_json, say, short_time, table
from premiere.cli.people.commands import person_id, show_person


@click.group("service-accounts")
def service_accounts() -> None:
    """Service accounts: names for pipelines, whose deploy tokens they own.

    The audit log names the service account rather than a token, and removing it
    revokes every token it has.
    """


@service_accounts.command("list")
@api_options
@json_option
def service_accounts_list(as_json: bool) -> None:
    """List service accounts."""
    items = get_obj().client.get(path("service-accounts"))
    if as_json:
        emit_json(items)
        return
    rows = [(a["id"], a["name"], short_time(a.get("created_at"))) for a in items]
    table("Service accounts", ["id", "name", "created (UTC)"], rows)


@service_accounts.command("create")
@click.argument("name")
@api_options
@json_option
def service_accounts_create(name: str, as_json: bool) -> None:
    """Create a service account called NAME."""
    made = get_obj().client.post(path("service-accounts"), {"name": name})
    if as_json:
        emit_json(made)
    else:
        say(f"Created service account {made['name']} ({made['id']}).")


@service_accounts.command("token")
@click.argument("account")
@click.option("--name", required=True, help="What the token is for (e.g. the pipeline).")
@click.option("--project", "-p", help="The one project it may touch. [default: every one]")
@click.option("--expires-in-days", type=click.IntRange(1, 366), help="[default: never]")
@click.option("--quiet", "-q", is_flag=True, help="Print only the token (for shell variables).")
@api_options
@json_option
def service_accounts_token(
    account: str, name: str, project: str | None, expires_in_days: int | None, quiet: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Create a deploy token owned by ACCOUNT (an id or a name); shown only this once."""
    client = get_obj().client
    ref = person_id(client, account, "service-accounts")
    body: dict[str, object] = {"name": name}
    if project:
        body["project"] = project
    if expires_in_days is not None:
        body["expires_in_days"] = expires_in_days
    made = client.post(path("service-accounts", ref, "tokens"), body)
    if quiet:
        click.echo(made["token"])
    elif as_json:
        emit_json(made)
    else:
        click.echo(click.style("New deploy token (shown only this once):\n", bold=True))
        click.echo(click.style(f"    {made['token']}\n", fg="green", bold=True))
        click.echo(f"id {made['id']}, project {made.get('project') or 'any'}")


@service_accounts.command("remove")
@click.argument("account")
@api_options
@json_option
def service_accounts_remove(account: str, as_json: bool) -> None:
    """Remove service account ACCOUNT (an id or a name): its tokens are revoked."""
    client = get_obj().client
    ref = person_id(client, account, "service-accounts")
    show_person(client.delete(path("service-accounts", ref)), as_json, "Removed")
