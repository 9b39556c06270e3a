"""`premiere insights` and `premiere incidents` against a live server (the demo)."""

from __future__ import annotations

import json

from .conftest import Cli


def test_incidents__record_list_end(run: Cli) -> None:
    recorded = json.loads(
        run.ok(
            "incidents", "record", "--title", "CLI checkout errors", "--severity", "sev2",
            "--started-at", "2026-03-11T10:00:00Z", "--json",
        ).stdout
    )  # fmt: skip
    assert recorded["severity"] == "sev2" and recorded["ended_at"] is None
    assert "CLI checkout errors" in run.ok("incidents", "list", "--open").stdout
    ended = json.loads(
        run.ok(
            "incidents", "end", str(recorded["id"]), "--ended-at", "2026-03-11T11:00:00Z",
            "--resolution", "flag_off", "--json",
        ).stdout
    )  # fmt: skip
    assert (ended["duration_seconds"], ended["resolution"]) == (3600.0, "flag_off")


def test_insights_dora__json__the_apis_answer(run: Cli) -> None:
    measures = json.loads(run.ok("insights", "dora", "--grain", "day", "--json").stdout)
    assert set(measures) >= {"deployment_frequency", "lead_time", "rework_rate"}
    assert measures["period"]["grain"] == "day"


def test_insights_dora__table__buckets_total_and_bands(run: Cli) -> None:
    out = run.ok("insights", "dora", "--from", "2026-03-02", "--to", "2026-03-23").stdout
    assert "2026-03-09" in out and "total" in out and "band" in out


def test_insights_releases__table__names_each_measure(run: Cli) -> None:
    out = run.ok("insights", "releases").stdout
    assert "release lead time" in out and "failed releases" in out


def test_insights_dora__reversed_period__exit_code_and_field(run: Cli) -> None:
    result = run("insights", "dora", "--from", "2026-03-23", "--to", "2026-03-02")
    assert result.exit_code != 0
    assert "to" in result.output and "later than from" in result.output
