"""``premiere notes``: a release's note entries (list, show, create, change, delete,
publish, unpublish), and the project's notes across releases."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.output import details, emit_json, say, short_time, table

F = TypeVar("F", bound=Callable[..., Any])
CATEGORIES = ("new", "improved", "fixed", "deprecated", "security")


@click.group()
def notes() -> None:
    """List, show, write and publish release notes.

    A note belongs to a release and is published when the release reaches its
    announcement point (or by hand with publish); a rollback withdraws it.
    """


def _url(release: str, *rest: str) -> str:
    return path("projects", get_obj().project_key(), "releases", release, "notes", *rest)


def note_options(func: F) -> F:
    """The fields of a note, for create and update."""
    options = (
        click.option("--title", help="The title (1..200 characters)."),
        click.option("--body", help="The body, Markdown."),
        click.option(
            "--body-file", type=click.Path(dir_okay=False), help="Read the body (-: stdin)."
        ),
        click.option("--category", type=click.Choice(CATEGORIES), help="What kind of change."),
        click.option("--audience", help="everyone, or a segment key."),
        click.option("--feature", "features", multiple=True, help="A linked flag (repeat)."),
        click.option("--link", "links", multiple=True, help="LABEL=URL (repeat)."),
        click.option("--image-url", help="An http(s) URL of an image."),
        click.option("--internal", help="For support and sales; never public."),
    )
    for option in reversed(options):
        func = option(func)
    return func


def note_body(options: dict[str, Any]) -> dict[str, Any]:
    """The request body from the options given (those not given are left out)."""
    body: dict[str, Any] = {}
    for field in ("title", "body", "category", "audience", "image_url", "internal"):
        if options.get(field) is not None:
            body[field] = options[field]
    body_file = options.get("body_file")
    if body_file is not None:
        if options.get("body") is not None:
            raise BadUsage("give --body or --body-file, not both")
        try:
            if body_file == "-":
                text = sys.stdin.read()
            else:
                text = Path(body_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadUsage(f"--body-file {body_file}: {exc.strerror}") from None
        body["body"] = text
    if options.get("features"):
        body["features"] = list(options["features"])
    if options.get("links"):
        body["links"] = [_link(text) for text in options["links"]]
    return body


def _link(text: str) -> dict[str, str]:
    label, sep, url = text.partition("=")
    if not sep or not label.strip() or not url.strip():
        raise BadUsage(f"--link {text!r}: expected LABEL=URL")
    return {"label": label.strip(), "url": url.strip()}


@notes.command("list")
@click.option("--release", help="The notes of this release, in order.")
@click.option("--state", help="draft, scheduled, published or rolled_back.")
@click.option("--category", type=click.Choice(CATEGORIES), help="Only this category.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--cursor", help="Continue from an earlier page.")
@project_option
@api_options
@json_option
def notes_list(
    release: str | None,
    state: str | None,
    category: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List notes across the project's releases, newest first (or one release's)."""
    client = get_obj().client
    if release is not None:
        items = client.get(_url(release))
        items = [n for n in items if state in (None, n["state"])]
        items = [n for n in items if category in (None, n["category"])]
        next_cursor = None
    else:
        params = {"state": state, "category": category, "limit": limit, "cursor": cursor}
        url = path("projects", get_obj().project_key(), "notes")
        page = client.get(url, {k: v for k, v in params.items() if v is not None})
        items, next_cursor = page["items"], page["next_cursor"]
    if as_json:
        emit_json(items if release is not None else {"items": items, "next_cursor": next_cursor})
        return
    rows = [
        (n["id"], n["release"], n["title"], n["category"], n["audience"] or "everyone",
         n["state"], short_time(n["published_at"]))
        for n in items
    ]  # fmt: skip
    table("Notes", ["id", "release", "title", "category", "audience", "state", "published"], rows)
    if next_cursor:
        say(f"More: --cursor {next_cursor}")


@notes.command("get")
@click.argument("release")
@click.argument("note_id", metavar="ID", type=int)
@project_option
@api_options
@json_option
def notes_get(release: str, note_id: int, as_json: bool) -> None:
    """Show note ID of RELEASE: its fields, state and body (Markdown, as written)."""
    note = get_obj().client.get(_url(release, str(note_id)))
    if as_json:
        emit_json(note)
        return
    show_note(note)


def show_note(note: dict[str, Any]) -> None:
    details(
        f"Note {note['id']} of release {note['release']}",
        [
            ("title", note["title"]),
            ("category", note["category"]),
            ("audience", note["audience"] or "everyone"),
            ("features", ", ".join(note["features"])),
            ("links", "; ".join(f"{x['label']} <{x['url']}>" for x in note["links"])),
            ("image", note["image_url"]),
            ("state", note["state"]),
            ("published", short_time(note["published_at"])),
            ("internal", note["internal"]),
            ("version", note["version"]),
        ],
    )
    if note["body"]:
        click.echo()
        click.echo(note["body"])


@notes.command("create")
@click.argument("release")
@note_options
@project_option
@api_options
@json_option
def notes_create(release: str, as_json: bool, **options: Any) -> None:
    """Add a note to RELEASE.

    \b
    Example:
      premiere notes create new-checkout --title 'A faster checkout' \\
          --category improved --body-file notes.md --link 'Docs=https://docs.example.com'
    """
    body = note_body(options)
    if "title" not in body:
        raise BadUsage("--title is required")
    note = get_obj().client.post(_url(release), body)
    if as_json:
        emit_json(note)
    else:
        say(f"Created note {note['id']} of release {release} ({note['state']}).")


@notes.command("update")
@click.argument("release")
@click.argument("note_id", metavar="ID", type=int)
@note_options
@project_option
@api_options
@json_option
def notes_update(release: str, note_id: int, as_json: bool, **options: Any) -> None:
    """Change note ID of RELEASE: only the options given."""
    body = note_body(options)
    if not body:
        raise BadUsage("nothing to change: give at least one option")
    client = get_obj().client
    current = client.get(_url(release, str(note_id)))
    note = client.patch(_url(release, str(note_id)), body, current["version"])
    if as_json:
        emit_json(note)
    else:
        say(f"Updated note {note_id} (version {note['version']}).")


@notes.command("delete")
@click.argument("release")
@click.argument("note_id", metavar="ID", type=int)
@project_option
@api_options
def notes_delete(release: str, note_id: int) -> None:
    """Delete note ID of RELEASE."""
    client = get_obj().client
    version = client.get(_url(release, str(note_id)))["version"]
    client.delete(_url(release, str(note_id)), version)
    say(f"Deleted note {note_id}.")


@notes.command("publish")
@click.argument("release")
@click.argument("note_id", metavar="ID", type=int)
@project_option
@api_options
@json_option
def notes_publish(release: str, note_id: int, as_json: bool) -> None:
    """Publish note ID of RELEASE now, whatever the release's exposure."""
    note = get_obj().client.post(_url(release, str(note_id), "publish"))
    emit_json(note) if as_json else say(f"Note {note_id} is {note['state']}.")


@notes.command("unpublish")
@click.argument("release")
@click.argument("note_id", metavar="ID", type=int)
@project_option
@api_options
@json_option
def notes_unpublish(release: str, note_id: int, as_json: bool) -> None:
    """Withdraw note ID of RELEASE from anything public."""
    note = get_obj().client.post(_url(release, str(note_id), "unpublish"))
    emit_json(note) if as_json else say(f"Note {note_id} is {note['state']}.")
