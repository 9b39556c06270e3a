"""``premiere incidents``: record, list and end incidents."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.output import details, emit_json, table

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
RESOLUTIONS = ("flag_off", "rollback", "fix", "other")
SHOWN = (
    "severity", "started_at", "ended_at", "deployment", "release", "flag", "resolution", "source",
)  # fmt: skip


@click.group()
def incidents() -> None:
    """Record, list and end incidents (periods of degraded service).

    An incident links a deployment, a release or a flag; it counts in the delivery
    insights as a failed deployment, or, resolved by turning a flag off, as a failed
    release.
    """


def _show(incident: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(incident)
        return
    details(
        f"Incident {incident['id']}: {incident['title']}",
        [
            (name, incident.get(name))
            for name in (
                "severity",
                "started_at",
                "ended_at",
                "deployment",
                "release",
                "flag",
                "resolution",
                "source",
            )
        ],
    )


@incidents.command("record")
@click.option("--title", required=True, help="What went wrong.")
@click.option("--severity", type=click.Choice(SEVERITIES), required=True)
@click.option("--started-at", required=True, help="RFC 3339, e.g. 2026-03-11T10:00:00Z.")
@click.option("--ended-at", help="RFC 3339; leave out while it lasts.")
@click.option("--deployment", type=int, help="The id of the deployment it is linked to.")
@click.option("--release", help="The key of the release it is linked to.")
@click.option("--flag", help="The key of the flag it is linked to.")
@click.option("--resolution", type=click.Choice(RESOLUTIONS), help="How it ended.")
@project_option
@api_options
@json_option
def incidents_record(as_json: bool, **fields: Any) -> None:
    """Record an incident."""
    body = {key: value for key, value in fields.items() if value is not None}
    url = path("projects", get_obj().project_key(), "incidents")
    _show(get_obj().client.post(url, body), as_json)


@incidents.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only those not ended.")
@project_option
@api_options
@json_option
def incidents_list(open_only: bool, as_json: bool) -> None:
    """List a project's incidents, newest first."""
    url = path("projects", get_obj().project_key(), "incidents")
    page = get_obj().client.get(url, {"open": "true"} if open_only else None)
    if as_json:
        emit_json(page)
        return
    rows = [
        (i["id"], i["severity"], i["title"], i["started_at"], i["ended_at"] or "ongoing",
         i["resolution"] or "-")
        for i in page["items"]
    ]  # fmt: skip
    table("Incidents", ["id", "severity", "title", "started", "ended", "resolution"], rows)


@incidents.command("end")
@click.argument("incident", type=int)
@click.option("--ended-at", help="RFC 3339. [default: now]")
@click.option("--resolution", type=click.Choice(RESOLUTIONS), help="How it ended.")
@project_option
@api_options
@json_option
def incidents_end(
    incident: int, ended_at: str | None, resolution: str | None, as_json: bool
) -> None:
    """End INCIDENT (its id), now or at --ended-at."""
    body = {k: v for k, v in {"ended_at": ended_at, "resolution": resolution}.items() if v}
    url = path("projects", get_obj().project_key(), "incidents", str(incident), "end")
    _show(get_obj().client.post(url, body), as_json)
