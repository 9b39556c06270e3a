"""The insights as CSV: one row per bucket (DORA) or per item (releases)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DORA_COLUMNS = (
    "bucket", "deployments", "verified", "failures", "change_failure_rate", "rework",
    "rework_rate", "lead_time_count", "lead_time_median_seconds", "lead_time_p90_seconds",
    "recovery_count", "recovery_median_seconds",
)  # fmt: skip
RELEASE_COLUMNS = ("measure", "release", "flag", "from", "to", "seconds", "by")


def render_dora_csv(measures: Mapping[str, Any]) -> str:
    """Each bucket of the series, then a ``total`` row."""
    frequency, lead = measures["deployment_frequency"], measures["lead_time"]
    failure, rework = measures["change_failure_rate"], measures["rework_rate"]
    recovery = measures["recovery_time"]
    rows: list[Sequence[Any]] = []
    parts = zip(
        frequency["series"], lead["series"], failure["series"], rework["series"],
        recovery["series"], strict=True,
    )  # fmt: skip
    for f, lt, cf, rw, rc in parts:
        rows.append(_dora_row(f["bucket"], f["deployments"], lt, cf, rw, rc))
    rows.append(_dora_row("total", frequency["total"], lead, failure, rework, recovery))
    return _render(DORA_COLUMNS, rows)


def render_release_csv(measures: Mapping[str, Any]) -> str:
    rows: list[Sequence[Any]] = []
    for item in measures["release_lead_time"]["items"]:
        rows.append(
            ("release_lead_time", item["release"], "", item["deployed_at"],
             item["released_at"], item["seconds"], "")
        )  # fmt: skip
    for item in measures["exposure_lead_time"]["items"]:
        rows.append(
            ("exposure_lead_time", item["release"], item["flag"], item["first_commit_at"],
             item["all_users_at"], item["commit_to_all_seconds"], "")
        )  # fmt: skip
    for item in measures["failed_releases"]["items"]:
        rows.append(
            ("failed_release", item["release"], item["flag"], "", item["at"], "", item["by"])
        )
    for item in measures["guard_reaction"]["items"]:
        rows.append(
            ("guard_reaction", item["release"], "", item["decided_at"], item["served_at"],
             item["seconds"], "guard")
        )  # fmt: skip
    for band in measures["dark_code_age"]["ranges"]:
        rows.append(("dark_code_age", "", "", "", "", "", f"{band['range']}: {band['flags']}"))
    return _render(RELEASE_COLUMNS, rows)


def _dora_row(
    bucket: str,
    verified: int,
    lead: Mapping[str, Any],
    failure: Mapping[str, Any],
    rework: Mapping[str, Any],
    recovery: Mapping[str, Any],
) -> tuple[Any, ...]:
    return (
        bucket, failure["deployments"], verified, failure["failures"], failure["rate"],
        rework["rework"], rework["rate"], lead["count"], lead["median_seconds"],
        lead["p90_seconds"], recovery["count"], recovery["median_seconds"],
    )  # fmt: skip


def _render(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else _safe(value) for value in row])
    return out.getvalue()


def _safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula starts with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
