"""``premiere insights``: the DORA and release-aware measures of a project."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.output import emit_json, say, table


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 3_600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86_400:
        return f"{seconds / 3_600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f} %"


def period_options(func: Any) -> Any:
    options = [
        click.option("--from", "start", help="Start (RFC 3339 or a date). [default: 30 days ago]"),
        click.option("--to", "end", help="End, excluded (RFC 3339 or a date). [default: now]"),
        click.option(
            "--grain",
            type=click.Choice(["day", "week", "month"]),
            default="week",
            show_default=True,
            help="The series' buckets.",
        ),
        click.option(
            "--env",
            "--environment",
            "-e",
            "environment",
            metavar="ENV",
            help="One environment. [default: the production ones]",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _params(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@click.group()
def insights() -> None:
    """Delivery insights: DORA measures and release-aware measures.

    Deployment frequency, lead time for changes, change failure rate, failed deployment
    recovery time and deployment rework rate, each per bucket with a DORA performance
    band; release lead time, exposure lead time, dark-code age, failed releases and
    guard reaction. See docs/insights.md.
    """


@insights.command("dora")
@period_options
@click.option("--service", "-s", help="One service. [default: all]")
@project_option
@api_options
@json_option
def insights_dora(
    start: str | None,
    end: str | None,
    grain: str,
    environment: str | None,
    service: str | None,
    as_json: bool,
) -> None:
    """The DORA measures of a project's deployments, per bucket and in total.

    \b
    Example:
      premiere insights dora --from 2026-03-02 --to 2026-03-23 --grain week
    """
    url = path("projects", get_obj().project_key(), "insights", "dora")
    params = _params(
        **{"from": start}, to=end, grain=grain, environment=environment, service=service
    )
    measures = get_obj().client.get(url, params)
    if as_json:
        emit_json(measures)
        return
    freq, lead = measures["deployment_frequency"], measures["lead_time"]
    fail, recovery = measures["change_failure_rate"], measures["recovery_time"]
    rework = measures["rework_rate"]
    rows: list[tuple[Any, ...]] = []
    for f, lt, cf, rc, rw in zip(
        freq["series"], lead["series"], fail["series"], recovery["series"], rework["series"],
        strict=True,
    ):  # fmt: skip
        rows.append(
            (f["bucket"], f["deployments"], _duration(lt["median_seconds"]), _rate(cf["rate"]),
             _duration(rc["median_seconds"]), _rate(rw["rate"]))
        )  # fmt: skip
    rows.append(
        ("total", freq["total"], _duration(lead["median_seconds"]), _rate(fail["rate"]),
         _duration(recovery["median_seconds"]), _rate(rework["rate"]))
    )  # fmt: skip
    rows.append(
        ("band", f"{freq['band']} ({freq['four_keys']})", lead["band"] or "-",
         fail["band"] or "-", recovery["band"] or "-", "-")
    )  # fmt: skip
    columns = ["bucket", "deployments", "lead time", "failure rate", "recovery", "rework"]
    table(f"DORA measures of {measures['project']}", columns, rows)


@insights.command("releases")
@period_options
@project_option
@api_options
@json_option
def insights_releases(
    start: str | None, end: str | None, grain: str, environment: str | None, as_json: bool
) -> None:
    """Release lead time, exposure lead time, dark-code age, failed releases and guard
    reaction.

    \b
    Example:
      premiere insights releases --from 2026-03-02 --to 2026-03-23
    """
    url = path("projects", get_obj().project_key(), "insights", "releases")
    params = _params(**{"from": start}, to=end, grain=grain, environment=environment)
    measures = get_obj().client.get(url, params)
    if as_json:
        emit_json(measures)
        return
    lead, exposure = measures["release_lead_time"], measures["exposure_lead_time"]
    dark, failed = measures["dark_code_age"], measures["failed_releases"]
    reaction = measures["guard_reaction"]
    rows = [
        ("release lead time (median)", _duration(lead["median_seconds"]), lead["count"]),
        ("commit -> first exposure (median)",
         _duration(exposure["median"]["commit_to_exposure_seconds"]), exposure["count"]),
        ("first exposure -> all users (median)",
         _duration(exposure["median"]["exposure_to_all_seconds"]), exposure["count"]),
        ("dark code (median age, days)", dark["median_days"], dark["count"]),
        ("failed releases", _rate(failed["rate"]), failed["count"]),
        ("guard decision -> document (median)", _duration(reaction["median_seconds"]),
         reaction["count"]),
    ]  # fmt: skip
    table(f"Release measures of {measures['project']}", ["measure", "value", "count"], rows)
    for item in failed["items"]:
        say(f"failed: {item['release'] or item['flag']} ({item['by']}, {item['at']})")
