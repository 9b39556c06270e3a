"""``premiere subscribers``: who gets emails about a project's events."""

from __future__ import annotations

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.output import emit_json, say, short_time, table

CATEGORIES = ("deployment", "release", "note", "guard", "readiness")


def _url(*parts: str) -> str:
    return path("projects", get_obj().project_key(), "subscribers", *parts)


@click.group()
def subscribers() -> None:
    """Email subscribers: an email per event of the categories they chose.

    Emails are sent through the SMTP server of PREMIERE_SMTP_HOST by `premiere serve`
    or `premiere worker`, each with a one-click unsubscribe link (docs/webhooks.md).
    Needs an admin token.
    """


@subscribers.command("list")
@project_option
@api_options
@json_option
def subscribers_list(as_json: bool) -> None:
    """List the project's subscribers."""
    items = get_obj().client.get(_url())
    if as_json:
        emit_json(items)
        return
    rows = [(s["id"], s["email"], ", ".join(s["categories"]), short_time(s["created_at"]))
            for s in items]  # fmt: skip
    table("Subscribers", ["id", "email", "categories", "since (UTC)"], rows)


@subscribers.command("add")
@click.argument("email")
@click.option(
    "--category", "-c", "categories", multiple=True, required=True,
    type=click.Choice(CATEGORIES), help="A category of events (repeat for several).",
)  # fmt: skip
@project_option
@api_options
@json_option
def subscribers_add(email: str, categories: tuple[str, ...], as_json: bool) -> None:
    """Subscribe EMAIL to the --category events of the project."""
    view = get_obj().client.post(_url(), {"email": email, "categories": list(categories)})
    if as_json:
        emit_json(view)
    else:
        say(f"Subscribed {view['email']} (id {view['id']}) to {', '.join(view['categories'])}.")


@subscribers.command("remove")
@click.argument("subscriber_id", type=int)
@project_option
@api_options
def subscribers_remove(subscriber_id: int) -> None:
    """Remove subscriber SUBSCRIBER_ID."""
    get_obj().client.delete(_url(str(subscriber_id)))
    say(f"Removed subscriber {subscriber_id}.")
