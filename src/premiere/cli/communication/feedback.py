"""``premiere feedback``: end users' feedback on a release's notes (a summary per stage,
and an export)."""

from __future__ import annotations

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.output import emit_json, say, table

REACTIONS = ("like", "dislike", "love", "confused")


@click.group()
def feedback() -> None:
    """End users' feedback on a release's notes: summary and export.

    End users react to a published note (like, dislike, love, confused) and comment on
    it from the what's-new widget or the API; each piece of feedback keeps the stage
    the release was at and the variation the user had.
    """


def _url(release: str, last: str) -> str:
    return path("projects", get_obj().project_key(), "releases", release, last)


@feedback.command("summary")
@click.argument("release")
@project_option
@api_options
@json_option
def feedback_summary(release: str, as_json: bool) -> None:
    """Counts of reactions and comments on RELEASE's notes, per stage of its rollout."""
    summary = get_obj().client.get(_url(release, "feedback"))
    if as_json:
        emit_json(summary)
        return
    rows = [
        (s["label"], *(s["reactions"].get(r, 0) for r in REACTIONS), s["comments"], s["feedback"])
        for s in [*summary["stages"], summary["total"]]
    ]
    table(f"Feedback on {release}", ["stage", *REACTIONS, "comments", "total"], rows)
    if not summary["stages"]:
        say("No feedback yet: end users react from the what's-new widget or the API.")


@feedback.command("export")
@click.argument("release")
@click.option("--csv", "as_csv", is_flag=True, help="As CSV (the only format for now).")
@project_option
@api_options
def feedback_export(release: str, as_csv: bool) -> None:
    """Every piece of feedback on RELEASE's notes, oldest first, to stdout.

    \b
    Example:
      premiere feedback export new-checkout --csv > feedback.csv
    """
    if not as_csv:
        raise BadUsage("give --csv")
    click.echo(get_obj().client.get(_url(release, "feedback.csv")), nl=False)
