"""Tables for deployments, their verification checks and the environment matrix."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from premiere.cli.output import details, say, short_time, table

CHECK_MARK = {"passed": "passed", "failed": "FAILED"}


def show_deployment(deployment: dict[str, Any]) -> None:
    """One deployment, field by field (the log excerpt and checks are shown apart)."""
    pairs = [
        ("service", deployment.get("service")),
        ("version", deployment.get("version")),
        ("environment", deployment.get("environment")),
        ("status", deployment.get("status")),
        ("verified", deployment.get("verified")),
        ("commit", deployment.get("commit_sha")),
        ("commit time", deployment.get("commit_time")),
        ("artifact", deployment.get("artifact")),
        ("pipeline", deployment.get("pipeline_url")),
        ("features", deployment.get("features")),
        ("unknown features", deployment.get("unknown_features") or None),
        ("reason", deployment.get("reason")),
        ("duration", duration(deployment.get("duration_ms"))),
        ("started", short_time(deployment.get("started_at"))),
        ("finished", short_time(deployment.get("finished_at"))),
        ("promoted from", _ref(deployment.get("promoted_from"))),
        ("rollback of", _ref(deployment.get("rollback_of"))),
        ("rolled back by", _ref(deployment.get("rolled_back_by"))),
        ("by", (deployment.get("actor") or {}).get("name")),
    ]
    shown = [(name, value) for name, value in pairs if value not in (None, [], "")]
    details(f"Deployment #{deployment.get('id')}", shown)


def show_verification(deployment: dict[str, Any]) -> None:
    verification = deployment.get("verification") or {}
    checks = verification.get("checks") or []
    if not checks:
        if verification.get("status") in (None, "none"):
            say("No verification checks.")
        else:
            say(f"Verification {verification.get('status')}.")
        return
    rows = [
        (
            check.get("key"),
            check.get("kind"),
            CHECK_MARK.get(str(check.get("status")), check.get("status")),
            check.get("attempts"),
            duration(check.get("duration_ms")),
            check.get("http_status", check.get("exit_code")),
            check.get("reason"),
        )
        for check in checks
    ]
    columns = ["check", "kind", "result", "attempts", "took", "status/exit", "reason"]
    table(f"Verification: {verification.get('status')}", columns, rows)


def show_deployments(title: str, items: Iterable[dict[str, Any]]) -> None:
    rows = [
        (
            d.get("id"),
            d.get("service"),
            d.get("version"),
            d.get("environment"),
            d.get("status"),
            d.get("verified"),
            _short_sha(d.get("commit_sha")),
            short_time(d.get("started_at") or d.get("created_at")),
            duration(d.get("duration_ms")),
            d.get("reason"),
        )
        for d in items
    ]
    columns = ["id", "service", "version", "environment", "status", "verified", "commit",
               "started (UTC)", "took", "reason"]  # fmt: skip
    table(title, columns, rows, optional=["took", "commit", "started (UTC)", "verified"])


def show_matrix(matrix: dict[str, Any]) -> None:
    """Services by environment: the version each runs, ✓ when verified, its status when
    not succeeded (verifying, or failed verification); what lags behind."""
    environments = [str(e) for e in matrix.get("environments", [])]
    rows = []
    for entry in matrix.get("services", []):
        cells = [_cell((entry.get("environments") or {}).get(env)) for env in environments]
        rows.append((entry.get("service"), *cells, _behind(entry.get("behind") or [])))
    table(
        f"Environment matrix: {matrix.get('project')}", ["service", *environments, "behind"], rows
    )


def duration(ms: Any) -> str | None:
    if not isinstance(ms, int | float):
        return None
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def _cell(slot: Any) -> str:
    if not isinstance(slot, dict):
        return "-"
    mark = " ✓" if slot.get("verified") else ""
    status = slot.get("status")
    shown = f", {status}" if status and status != "succeeded" else ""
    return f"{slot.get('version')}{mark} (#{slot.get('deployment_id')}{shown})"


def _behind(lags: list[Any]) -> str:
    parts = []
    for lag in lags:
        if not isinstance(lag, dict):
            continue
        count = lag.get("versions") or lag.get("deployments") or 0
        if not count:
            continue
        unit = "version" if count == 1 else "versions"
        text = f"{lag.get('environment')}: {count} {unit} behind {lag.get('previous')}"
        since = _age(lag.get("seconds"))
        parts.append(f"{text} for {since}" if since else text)
    return "; ".join(parts) or "-"


def _age(seconds: Any) -> str | None:
    if not isinstance(seconds, int | float) or seconds <= 0:
        return None
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _short_sha(sha: Any) -> Any:
    return sha[:10] if isinstance(sha, str) else sha


def _ref(deployment_id: Any) -> str | None:
    return f"#{deployment_id}" if deployment_id is not None else None


def show_dark_code(report: dict[str, Any]) -> None:
    """Flags whose code runs in production, released to no one there."""
    rows = [
        (i.get("flag"), i.get("reason"), i.get("services"), short_time(i.get("dormant_since")),
         i.get("days_dormant"))
        for i in report.get("items", [])
    ]  # fmt: skip
    environment = report.get("environment") or "production"
    title = f"Dark code in {environment}"
    table(title, ["flag", "why dark", "services", "deployed since (UTC)", "days"], rows)
