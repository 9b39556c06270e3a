"""Release-aware measures: what the deployment measures cannot see.

- release lead time: from the moment all of a release's features ran verified in its
  environment (per flag, the first verified deployment carrying it there, in the
  ledger's order; the latest of those) to the release reaching everyone
  (``finished_at`` of a ``released`` release);
- exposure lead time, per feature of each release started in the period: first commit
  (the ``commit_time`` of the first deployment carrying the flag that has one) -> first
  exposure (the release's start: its first stage) -> all users (released);
- dark-code age: how long the flags deployed but released to no one have waited
  (``services/deployments/darkcode.py``), in ranges of days;
- failed releases: rolled back by a guard or by hand, or named by an incident resolved
  by turning a flag off, apart from failed deployments;
- guard reaction: from a guard's rollback decision to the first flag document version
  of the release's environment committed at or after it (the commit time stands in for
  "served": SDKs receive a version right after its commit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from premiere.services.deployments.darkcode import list_dark_code
from premiere.services.insights import bands
from premiere.services.insights.ledger import FLAG_OFF
from premiere.services.insights.periods import Period
from premiere.services.insights.scope import Scope, load_scope
from premiere.services.mappers import format_time
from premiere.store import Store
from premiere.store.deployments import Deployment, DeploymentFeature
from premiere.store.incidents import Incident
from premiere.store.models import Change
from premiere.store.releases import Release, ReleaseGuardDecision

AGE_RANGES = ((1, "under 1 day"), (7, "1-7 days"), (30, "7-30 days"), (90, "30-90 days"))
OLDEST_RANGE = "90 days or more"
GUARD_ROLLBACK = "rolled_back"


def release_measures(
    store: Store, project: str, period: Period, *, environment: str | None = None
) -> dict[str, Any]:
    """Release lead time, exposure lead time, dark-code age, failed releases and guard
    reaction for the releases of ``environment`` (default: production), as a dict."""
    with store.read() as session:
        scope = load_scope(session, project, service=None, environment=environment)
        keys = [env.key for env in scope.environments]
        releases = list(
            session.scalars(
                select(Release)
                .where(Release.project_id == scope.project.id, Release.environment.in_(keys))
                .order_by(Release.id)
            )
        )
        lead = _release_lead_time(session, scope, period, releases)
        exposure = _exposure(session, scope, period, releases)
        failed = _failed_releases(session, scope, period, releases)
        reaction = _guard_reaction(session, scope, period, releases)
    dark = list_dark_code(store, project, now=period.end)
    return {
        **scope.as_dict(),
        "period": period.as_dict(),
        "release_lead_time": lead,
        "exposure_lead_time": exposure,
        "dark_code_age": _dark_code_age(dark["items"]),
        "failed_releases": failed,
        "guard_reaction": reaction,
    }


def _flags(release: Release) -> list[str]:
    return [str(feature["flag"]) for feature in release.spec.get("features", [])]


def _first_carrying(
    session: Session, scope: Scope, flag: str, *conditions: ColumnElement[bool]
) -> Any:
    """The first deployment (in the ledger's order) carrying ``flag`` that meets
    ``conditions``: an ordered walk of the flag's index, stopped at the first match."""
    return session.execute(
        select(Deployment.verified_at, Deployment.commit_time)
        .join(DeploymentFeature, DeploymentFeature.deployment_id == Deployment.id)
        .where(
            DeploymentFeature.project_id == scope.project.id,
            DeploymentFeature.flag_key == flag,
            *conditions,
        )
        .order_by(DeploymentFeature.deployment_id)
        .limit(1)
    ).first()


def _first_verified(
    session: Session, scope: Scope, releases: list[Release]
) -> dict[tuple[str, int], Any]:
    """Per flag of ``releases`` and its release's environment, when the first verified
    deployment carrying it there was verified."""
    env_ids = {env.key: env.id for env in scope.environments}
    wanted = {(flag, env_ids[r.environment]) for r in releases for flag in _flags(r)}
    found: dict[tuple[str, int], Any] = {}
    for flag, env in sorted(wanted):
        row = _first_carrying(
            session, scope, flag, Deployment.environment_id == env,
            Deployment.verified_at.is_not(None),
        )  # fmt: skip
        if row is not None:
            found[(flag, env)] = row[0]
    return found


def _release_lead_time(
    session: Session, scope: Scope, period: Period, releases: list[Release]
) -> dict[str, Any]:
    env_ids = {env.key: env.id for env in scope.environments}
    released = [r for r in releases if r.state == "released" and period.contains(r.finished_at)]
    first = _first_verified(session, scope, released)
    items: list[dict[str, Any]] = []
    for release in released:
        env = env_ids[release.environment]
        verified = [first[(f, env)] for f in _flags(release) if (f, env) in first]
        deployed = max(verified) if verified else None
        seconds = _between(release.finished_at, deployed)
        items.append(
            {
                "release": release.key,
                "deployed_at": format_time(deployed),
                "released_at": format_time(release.finished_at),
                "seconds": seconds,
            }
        )
    values = [item["seconds"] for item in items if item["seconds"] is not None]
    return {
        "count": len(values),
        "median_seconds": bands.median(values),
        "p90_seconds": bands.percentile(values, 0.9),
        "items": items,
    }


def _exposure(
    session: Session, scope: Scope, period: Period, releases: list[Release]
) -> dict[str, Any]:
    started = [r for r in releases if period.contains(r.started_at)]
    flags = sorted({flag for release in started for flag in _flags(release)})
    first_commit = _first_commits(session, scope, flags)
    items: list[dict[str, Any]] = []
    for release in started:
        everyone = release.finished_at if release.state == "released" else None
        for flag in _flags(release):
            commit = first_commit.get(flag)
            items.append(
                {
                    "release": release.key,
                    "flag": flag,
                    "first_commit_at": format_time(commit),
                    "first_exposure_at": format_time(release.started_at),
                    "all_users_at": format_time(everyone),
                    "commit_to_exposure_seconds": _between(release.started_at, commit),
                    "exposure_to_all_seconds": _between(everyone, release.started_at),
                    "commit_to_all_seconds": _between(everyone, commit),
                }
            )
    summary = {
        name: bands.median([i[name] for i in items if i[name] is not None])
        for name in (
            "commit_to_exposure_seconds",
            "exposure_to_all_seconds",
            "commit_to_all_seconds",
        )
    }
    return {"count": len(items), "median": summary, "items": items}


def _first_commits(session: Session, scope: Scope, flags: list[str]) -> dict[str, Any]:
    """Per flag, the commit time of the first deployment carrying it (with one)."""
    found: dict[str, Any] = {}
    for flag in flags:
        row = _first_carrying(session, scope, flag, Deployment.commit_time.is_not(None))
        if row is not None:
            found[flag] = row[1]
    return found


def _dark_code_age(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    ages = [int(item["days_dormant"]) for item in items]
    ranges = {label: 0 for _, label in AGE_RANGES} | {OLDEST_RANGE: 0}
    for days in ages:
        label = next((label for limit, label in AGE_RANGES if days < limit), OLDEST_RANGE)
        ranges[label] += 1
    return {
        "count": len(ages),
        "median_days": bands.median(ages),
        "oldest_days": max(ages) if ages else None,
        "ranges": [{"range": label, "flags": n} for label, n in ranges.items()],
    }


def _failed_releases(
    session: Session, scope: Scope, period: Period, releases: list[Release]
) -> dict[str, Any]:
    guarded = _guard_rollbacks(session, [r.id for r in releases])
    items: dict[str, dict[str, Any]] = {}
    finished: set[str] = set()
    for release in releases:
        if release.state not in ("released", "rolled_back"):
            continue
        if not period.contains(release.finished_at):
            continue
        finished.add(release.key)
        if release.state == "rolled_back":
            by_guard = any(at >= (release.started_at or at) for at in guarded.get(release.id, []))
            items[release.key] = {
                "release": release.key,
                "flag": None,
                "at": format_time(release.finished_at),
                "by": "guard" if by_guard else "hand",
            }
    for incident in _flag_off_incidents(session, scope, period):
        key = incident.release or f"flag:{incident.flag}"
        items.setdefault(
            key,
            {
                "release": incident.release,
                "flag": incident.flag,
                "at": format_time(incident.ended_at or incident.started_at),
                "by": "incident",
                "incident": incident.id,
            },
        )
    ordered = sorted(items.values(), key=lambda item: (item["at"] or "", item["release"] or ""))
    ended = len(finished | set(items))
    return {
        "count": len(ordered),
        "releases": ended,
        "rate": bands.ratio(len(ordered), ended),
        "items": ordered,
    }


def _guard_rollbacks(session: Session, release_ids: list[int]) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    if not release_ids:
        return found
    rows = session.execute(
        select(
            ReleaseGuardDecision.release_id, ReleaseGuardDecision.at, ReleaseGuardDecision.details
        )
        .where(ReleaseGuardDecision.release_id.in_(release_ids))
        .order_by(ReleaseGuardDecision.id)
    )
    for release_id, at, details in rows:
        if (details or {}).get("action") == GUARD_ROLLBACK:
            found.setdefault(release_id, []).append(at)
    return found


def _flag_off_incidents(session: Session, scope: Scope, period: Period) -> list[Incident]:
    when = func.coalesce(Incident.ended_at, Incident.started_at)
    statement = (
        select(Incident)
        .where(
            Incident.project_id == scope.project.id,
            Incident.resolution == FLAG_OFF,
            or_(Incident.release.is_not(None), Incident.flag.is_not(None)),
            when >= period.start,
            when < period.end,
        )
        .order_by(Incident.id)
    )
    return list(session.scalars(statement))


def _guard_reaction(
    session: Session, scope: Scope, period: Period, releases: list[Release]
) -> dict[str, Any]:
    by_id = {release.id: release for release in releases}
    items: list[dict[str, Any]] = []
    for release_id, moments in sorted(_guard_rollbacks(session, list(by_id)).items()):
        release = by_id[release_id]
        for decided in moments:
            if not period.contains(decided):
                continue
            served = session.scalar(
                select(func.min(Change.at)).where(
                    Change.project == scope.project.key,
                    Change.environment == release.environment,
                    Change.at >= decided,
                )
            )
            items.append(
                {
                    "release": release.key,
                    "decided_at": format_time(decided),
                    "served_at": format_time(served),
                    "seconds": None if served is None else round(_seconds(served, decided), 3),
                }
            )
    values = [item["seconds"] for item in items if item["seconds"] is not None]
    return {
        "count": len(values),
        "median_seconds": bands.median(values),
        "max_seconds": max(values) if values else None,
        "items": items,
    }


def _between(later: datetime | None, earlier: datetime | None) -> float | None:
    """Seconds from ``earlier`` to ``later``; None when either is missing or the
    difference is not positive."""
    if later is None or earlier is None:
        return None
    seconds = _seconds(later, earlier)
    return round(seconds, 3) if seconds > 0 else None


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()
