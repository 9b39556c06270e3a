"""``premiere people`` and ``premiere invitations``: who may use Premiere, with which
role on which project. They need an admin of every project (an admin token, or a person
whose role is admin on every project)."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.client import ApiClient, path
from premiere.cli.context import api_options, get_obj, json_option
from premiere.cli.exits import BadUsage, NotFound
from premiere.cli.output import details, emit_json, say, short_time, table
from premiere.cli.people.login import keep

ROLES = ("viewer", "engineer", "release_manager", "admin")
EVERY = "*"


def roles_text(roles: list[dict[str, Any]]) -> str:
    return ", ".join(f"{g['project'] or EVERY}={g['role']}" for g in roles) or "-"


def person_id(client: ApiClient, ref: str, listing: str = "people") -> str:
    """The id of ``ref``: an id, or a person's email (or a service account's name)."""
    if "@" not in ref and listing == "people":
        return ref
    for item in client.get(path(listing)):
        if ref.lower() in {str(item.get("email")).lower(), item["name"].lower(), item["id"]}:
            return str(item["id"])
    raise NotFound(f"no {listing.replace('-', ' ').rstrip('s')} {ref!r}", code="not_found")


def show_person(item: dict[str, Any], as_json: bool, done: str | None = None) -> None:
    if as_json:
        emit_json(item)
    elif done:
        who = item.get("email") or item["name"]
        say(f"{done} {who} ({item['id']}): {roles_text(item['roles'])}.")
    else:
        pairs = [(k, roles_text(v) if k == "roles" else v) for k, v in item.items()]
        details(item.get("email") or item["name"], pairs)


@click.group()
def people() -> None:
    """People: list them, their roles per project, invite, remove.

    \b
    Roles, each including the ones before it:
      viewer           reads everything but secrets
      engineer         records deployments, creates flags, changes them where engineers may
      release_manager  releases, approvals, flag changes in production
      admin            settings and tokens; on every project (*), people and projects too
    """


@people.command("list")
@api_options
@json_option
def people_list(as_json: bool) -> None:
    """List people with their roles (project=role; * is every project)."""
    items = get_obj().client.get(path("people"))
    if as_json:
        emit_json(items)
        return
    rows = [(p["id"], p.get("email"), p["name"], roles_text(p["roles"]),
             "sso" if p.get("sso") else "password", short_time(p.get("created_at")))
            for p in items]  # fmt: skip
    table("People", ["id", "email", "name", "roles", "signs in with", "joined (UTC)"], rows)


@people.command("show")
@click.argument("person")
@api_options
@json_option
def people_show(person: str, as_json: bool) -> None:
    """Show PERSON (an id or an email)."""
    client = get_obj().client
    show_person(client.get(path("people", person_id(client, person))), as_json)


@people.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The role to give.")
@click.option("--project", "-p", help="The project of the role. [default: every project]")
@click.option("--name", help="Their name, which they may change when they join.")
@click.option("--expires-in-days", type=click.IntRange(1, 30), default=7, show_default=True)
@api_options
@json_option
def people_invite(
    email: str, role: str, project: str | None, name: str | None, expires_in_days: int,
    as_json: bool,
) -> None:  # fmt: skip
    """Invite EMAIL with a role; prints the one-time link to send them (shown once)."""
    body = {"email": email, "role": role, "project": project, "expires_in_days": expires_in_days}
    if name:
        body["name"] = name
    made = get_obj().client.post(path("invitations"), body)
    if as_json:
        emit_json(made)
        return
    where = made["project"] or "every project"
    say(f"Invited {email} as {role} on {where}; the link works once, until "
        f"{short_time(made['expires_at'])} UTC (shown only this once):")  # fmt: skip
    click.echo(click.style(f"    {made['link']}", fg="green", bold=True))
    say("They open it in a browser, or run `premiere invitations accept LINK`.")


@people.command("roles")
@click.argument("person")
@click.argument("grants", nargs=-1, metavar="[PROJECT=ROLE]...")
@api_options
@json_option
def people_roles(person: str, grants: tuple[str, ...], as_json: bool) -> None:
    """Show PERSON's roles, or replace them with PROJECT=ROLE pairs (* is every project).

    \b
    premiere people roles ada@example.com demo=engineer '*=viewer'
    """
    client = get_obj().client
    ref = person_id(client, person)
    if not grants:
        show_person(client.get(path("people", ref)), as_json)
        return
    roles = [_grant(text) for text in grants]
    changed = client.put(path("people", ref, "roles"), {"roles": roles}, None)
    show_person(changed, as_json, "Roles of")


def _grant(text: str) -> dict[str, Any]:
    project, equals, role = text.partition("=")
    if not equals or not project or role not in ROLES:
        raise BadUsage(f"{text!r}: give PROJECT=ROLE, ROLE one of {', '.join(ROLES)}")
    return {"project": None if project == EVERY else project, "role": role}


@people.command("remove")
@click.argument("person")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@api_options
@json_option
def people_remove(person: str, yes: bool, as_json: bool) -> None:
    """Remove PERSON: their sessions end and their tokens are revoked at once."""
    client = get_obj().client
    ref = person_id(client, person)
    if not yes:
        click.confirm(f"Remove {person}? Their sessions and tokens end now", abort=True)
    show_person(client.delete(path("people", ref)), as_json, "Removed")


@click.group()
def invitations() -> None:
    """Invitations: open ones, revoke one, accept one (join from the terminal)."""


@invitations.command("list")
@api_options
@json_option
def invitations_list(as_json: bool) -> None:
    """List invitations not yet accepted or revoked."""
    items = get_obj().client.get(path("invitations"))
    if as_json:
        emit_json(items)
        return
    rows = [(i["id"], i["email"], i["role"], i["project"] or "every project", i["state"],
             i["created_by"], short_time(i["expires_at"])) for i in items]  # fmt: skip
    columns = ["id", "email", "role", "project", "state", "invited by", "expires (UTC)"]
    table("Invitations", columns, rows)


@invitations.command("revoke")
@click.argument("invitation_id")
@api_options
@json_option
def invitations_revoke(invitation_id: str, as_json: bool) -> None:
    """Revoke invitation INVITATION_ID: its link stops working."""
    revoked = get_obj().client.delete(path("invitations", invitation_id))
    if as_json:
        emit_json(revoked)
    else:
        say(f"Revoked the invitation of {revoked['email']}.")


@invitations.command("accept")
@click.argument("link")
@click.option("--name", help="Your name. [default: asked]")
@api_options
@json_option
def invitations_accept(link: str, name: str | None, as_json: bool) -> None:
    """Join with the invitation LINK: choose a name and password; you are signed in.

    The server is the one in LINK when it is a whole URL (else --url or PREMIERE_URL).
    The new personal token is saved as `premiere login` saves it.
    """
    obj = get_obj()
    if not obj.url_given and "/join/" in link and link.startswith(("http://", "https://")):
        obj.url = link.split("/join/", 1)[0]
    name = name or click.prompt("Your name")
    password = click.prompt("Choose a password (12 characters or more)", hide_input=True,
                            confirmation_prompt=True)  # fmt: skip
    body = {"link": link, "name": name, "password": password}
    client = ApiClient(obj.url, None)
    try:
        made = client.post(path("invitations", "accept"), body)
    finally:
        client.close()
    keep(obj.url, made, as_json, f"Joined {obj.url} as {name}")
