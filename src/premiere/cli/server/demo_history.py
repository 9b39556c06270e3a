"""About four months of the demo's past, so its insights say something on first start.

Every working day some of api, web and worker build a new version that goes through
development, testing, staging and production (hours to days after its commit); a few
fail verification, a few are rolled back and then fixed; three releases ran their
stages and finished (one rolled back by a guard); incidents were recorded, one ended
by turning a flag off. Deterministic (a seeded ``random.Random``) and written in bulk.

It runs inside ``seed_demo`` after the flags and before the demo's own deployments,
so the history comes first in the ledger and none of it becomes what runs now: the
environment matrix reads ``environment_service_state``, which the history never
writes, and its versions are all below the ones the demo deploys. Flag
configurations are left alone; the flags whose code is dark are not in it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from premiere.services import Actor
    from premiere.store import Store
    from premiere.store.deployments import Deployment

DAYS = 120
SEED = 20261205
ENVS = ("development", "testing", "staging", "production")
# (service, chance of a build on a working day, its versions' major.minor in order,
# the flags its code carries; none of them dark in production today)
BUILDS = (
    ("api", 0.8, ("1.1", "1.2", "1.3"), ("payments-v2", "new-checkout", "search-v2",
                                         "max-cart-items")),
    ("web", 0.6, ("2.0", "2.1", "2.2"), ("new-checkout", "dark-mode", "checkout-button-color",
                                         "pricing-page-config", "holiday-sale")),
    ("worker", 0.35, ("0.7", "0.8"), ("order-export-batch-size",)),
)  # fmt: skip
FAIL_CHANCE = {"testing": 0.08, "staging": 0.05, "production": 0.03}
ROLLBACK_CHANCE = 0.04
# (key, name, flag, variation served, days ago it finished, rolled back by a guard)
RELEASES = (
    ("order-export-batches", "Bigger order export batches", "order-export-batch-size", 1, 95,
     False),
    ("three-tier-pricing", "Three-tier pricing page", "pricing-page-config", 0, 52, False),
    ("semantic-search", "Semantic search", "search-v2", 2, 27, True),
)  # fmt: skip
STAGES = [
    {"segment": "staff", "hold_seconds": 3600, "advance": "auto"},
    {"percent": 10, "hold_seconds": 86400, "advance": "auto"},
    {"percent": 100, "hold_seconds": 0, "advance": "auto"},
]
GUARD = {"metric": "errors", "aggregate": "rate", "max_regression": 0.1, "alpha": 0.05,
         "min_sample": 500, "action": "rollback"}  # fmt: skip
FLAG_OFF_INCIDENT = {
    "title": "Checkout errors for shoppers on the new checkout",
    "severity": "sev2",
    "flag": "new-checkout",
    "resolution": "flag_off",
    "description": "Orders failed at the payment step; new-checkout was turned off until "
    "a fix was deployed.",
}


@dataclass
class Build:
    service: str
    version: str
    commit_sha: str
    commit_time: datetime
    features: list[str]


def seed_history(store: Store, project: str, *, now: datetime) -> dict[str, Any] | None:
    """Add the history before ``now`` unless it is there already; say what was made."""
    from premiere.cli.server.demo import demo_actor
    from premiere.services.lookups import get_project_row
    from premiere.store.releases import Release

    actor = demo_actor()
    with store.read() as session:
        project_id = get_project_row(session, project).id
        first = RELEASES[0][0]
        if session.scalar(
            select(Release.id).where(Release.project_id == project_id, Release.key == first)
        ):
            return None
    rng = random.Random(SEED)
    start = now - timedelta(days=DAYS)
    failures = _deployments(store, actor, project, rng, start, now)
    releases = _releases(store, actor, project, now)
    incidents = _incidents(store, actor, project, rng, failures, now)
    return {"deployments": failures["count"], "releases": releases, "incidents": incidents}


def _deployments(
    store: Store, actor: Actor, project: str, rng: random.Random, start: datetime, now: datetime
) -> dict[str, Any]:
    """Every build of the period through the environments, in one transaction; the
    production failures (id, when) for incidents."""
    from premiere.services.audit import record_audit_event
    from premiere.services.deployments.rows import Names, summary
    from premiere.services.lookups import get_project_row
    from premiere.store.deployments import DeploymentFeature
    from premiere.store.models import Environment, Service

    planned = _plan(rng, start, now)
    with store.write() as session:
        project_row = get_project_row(session, project)
        services = {
            s.key: s for s in session.scalars(select(Service).filter_by(project_id=project_row.id))
        }
        envs = {
            e.key: e
            for e in session.scalars(select(Environment).filter_by(project_id=project_row.id))
        }
        rows: list[tuple[Deployment, str, str]] = []
        live: dict[tuple[str, str], Deployment] = {}
        production_failures: list[Deployment] = []
        fix_next: set[str] = set()
        undone: list[tuple[Deployment, Deployment]] = []  # (rollback, what it undid)
        for build, moments in planned:
            fix = build.service in fix_next
            fix_next.discard(build.service)
            for env, (begin, end) in zip(ENVS, moments, strict=False):
                fails = env in FAIL_CHANCE and rng.random() < FAIL_CHANCE[env]
                row = _row(project_row.id, services[build.service].id, envs[env].id, build, actor)
                row.fix = fix
                row.created_at = row.updated_at = row.started_at = begin
                row.finished_at = end
                row.duration_ms = int((end - begin).total_seconds() * 1000)
                rows.append((row, build.service, env))
                if fails:
                    row.status, row.verification_status = "failed", "failed"
                    row.reason = "verification failed: error rate above the check's limit"
                    if env == "production":  # the next build fixes it
                        production_failures.append(row)
                        fix_next.add(build.service)
                    break
                row.status, row.verification_status = "succeeded", "passed"
                row.verified_at = end + timedelta(minutes=rng.randint(2, 15))
                previous = live.get((build.service, env))
                live[(build.service, env)] = row
                if env == "production" and previous is not None and rng.random() < ROLLBACK_CHANCE:
                    back = _rollback(project_row.id, row, previous, actor, rng)
                    rows.append((back, build.service, env))
                    undone.append((back, row))
                    live[(build.service, env)] = previous
                    production_failures.append(row)
                    fix_next.add(build.service)
                    break
        session.add_all([row for row, _, _ in rows])
        session.flush()
        for back, failed in undone:
            assert back.verified_at is not None and failed.finished_at is not None
            back.rollback_of_id, failed.rolled_back_by_id = failed.id, back.id
            back.time_to_restore_ms = int(
                (back.verified_at - failed.finished_at).total_seconds() * 1000
            )
        session.add_all(
            DeploymentFeature(deployment_id=row.id, flag_key=key, project_id=project_row.id)
            for row, _, _ in rows
            for key in row.features
        )
        session.flush()
        for row, service, env in rows:
            names = Names.of(project_row, services[service], envs[env])
            record_audit_event(
                session, actor, "deployment.recorded", project=project, resource_type="deployment",
                resource_key=str(row.id), environment=env, after=summary(row, names),
                at=row.finished_at,
            )  # fmt: skip
        return {
            "count": len(rows),
            "production": [
                (row.id, row.finished_at, row.status == "rolled_back")
                for row in production_failures
            ],
        }


def _plan(
    rng: random.Random, start: datetime, now: datetime
) -> list[tuple[Build, list[tuple[datetime, datetime]]]]:
    """Each build and the (start, finish) of its deployment in each environment, in
    the order they started; stages that would end too close to ``now`` are left out."""
    counts = {service: 0 for service, *_ in BUILDS}
    total_days = (now - start).days
    planned = []
    for day in range(total_days):
        midnight = _day(start + timedelta(days=day))
        if midnight.weekday() >= 5:
            continue
        for service, chance, minors, features in BUILDS:
            if rng.random() >= chance:
                continue
            minor = minors[min(len(minors) - 1, day * len(minors) // total_days)]
            counts[service] += 1
            version = f"{minor}.{counts[service]}"
            commit = midnight + timedelta(hours=rng.uniform(8, 17))
            sha = f"{rng.getrandbits(28):07x}"
            build = Build(service, version, sha, commit, list(features))
            moments = []
            at = commit + timedelta(minutes=rng.randint(15, 90))
            for env in ENVS:
                if env != "development":
                    at += timedelta(hours=rng.choice((1, 2, 4, 20, 26, 50)) * rng.uniform(0.5, 1))
                end = at + timedelta(minutes=rng.randint(3, 12))
                if end > now - timedelta(hours=6):
                    break
                moments.append((at, end))
            if moments:
                planned.append((build, moments))
    planned.sort(key=lambda item: item[1][0][0])
    return planned


def _row(project_id: int, service_id: int, env_id: int, build: Build, actor: Actor) -> Deployment:
    from premiere.store.deployments import Deployment, version_order

    return Deployment(
        project_id=project_id,
        service_id=service_id,
        environment_id=env_id,
        version=build.version,
        version_order=version_order(build.version),
        commit_sha=build.commit_sha,
        commit_time=build.commit_time,
        commits=[],
        features=list(build.features),
        checks=[],
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
    )


def _rollback(
    project_id: int, failed: Deployment, previous: Deployment, actor: Actor, rng: random.Random
) -> Deployment:
    """``failed`` (a production deployment) rolled back to ``previous``'s version."""
    from premiere.store.deployments import Deployment

    assert failed.finished_at is not None
    begin = failed.finished_at + timedelta(minutes=rng.randint(20, 240))
    end = begin + timedelta(minutes=rng.randint(2, 6))
    failed.status = "rolled_back"
    back = Deployment(
        project_id=project_id, service_id=previous.service_id,
        environment_id=previous.environment_id, version=previous.version,
        version_order=previous.version_order, commit_sha=previous.commit_sha, commits=[],
        features=list(previous.features), checks=[], status="succeeded",
        verification_status="passed", actor_kind=actor.kind, actor_id=actor.id,
        actor_name=actor.name, created_at=begin, updated_at=end, started_at=begin,
        finished_at=end, verified_at=end + timedelta(minutes=2),
        duration_ms=int((end - begin).total_seconds() * 1000),
        reason=f"rolled back {failed.version}: errors after the deployment",
    )  # fmt: skip
    return back


def _releases(store: Store, actor: Actor, project: str, now: datetime) -> list[str]:
    """Create each release (validated, as a draft), then write how it ran: started two
    days before it finished, through its stages; a guard's rollback decision (as
    services/releases/tick.py records it) and the first flag document after it."""
    from premiere.services.audit import record_audit_event
    from premiere.services.lookups import get_project_row
    from premiere.services.mappers import format_time
    from premiere.services.releases import records
    from premiere.store.models import Change
    from premiere.store.releases import Release, ReleaseGuardDecision

    made = []
    for key, name, flag, variation, days_ago, guarded in RELEASES:
        finished = _day(now - timedelta(days=days_ago)) + timedelta(hours=14)
        created = finished - timedelta(days=4)
        data: dict[str, Any] = {
            "key": key, "name": name, "environment": "production",
            "features": [{"flag": flag, "variation": variation}],
            "plan": {"stages": STAGES}, "required_approvals": 0,
            "guards": [GUARD] if guarded else [],
        }  # fmt: skip
        records.create_release(store, actor, project, data, now=created)
        made.append(key)
        with store.write() as session:
            project_row = get_project_row(session, project)
            row = session.scalars(
                select(Release).where(Release.project_id == project_row.id, Release.key == key)
            ).one()
            started = finished - timedelta(days=2)
            last = 1 if guarded else len(STAGES) - 1
            state = "rolled_back" if guarded else "released"
            row.state, row.stage = state, last
            row.created_at, row.started_at, row.finished_at = created, started, finished
            row.stage_started_at, row.updated_at = finished - timedelta(hours=20), finished
            row.version += 3
            action = "rollback" if guarded else "advance"
            reason = "a guard saw a regression" if guarded else "the last stage is reached"
            row.last_transition = {
                "at": format_time(finished), "from": "rolling_out", "to": state, "stage": last,
                "action": action, "actor": {"kind": actor.kind, "id": actor.id,
                                            "name": actor.name}, "reason": reason,
            }  # fmt: skip
            if guarded:
                session.add(
                    ReleaseGuardDecision(
                        release_id=row.id, at=finished, stage=last, status="regressed",
                        details={"guard": 0, "metric": "errors", "action": "rolled_back"},
                    )
                )  # fmt: skip
                _served(session, project, finished + timedelta(seconds=2), flag, Change)
            for at, what in ((started, "start"), (finished, action)):
                record_audit_event(
                    session, actor, f"release.{what}", project=project, resource_type="release",
                    resource_key=key, environment="production",
                    after={"key": key, "state": "rolling_out" if what == "start" else state},
                    at=at,
                )  # fmt: skip
    return made


def _served(session: Session, project: str, at: datetime, flag: str, change: Any) -> None:
    """The flag document the guard's rollback produced: a change at ``at`` with the
    environment's current document version (nothing new to fetch today)."""
    version = session.scalar(
        select(func.max(change.document_version)).where(
            change.project == project, change.environment == "production"
        )
    )
    session.add(
        change(project=project, environment="production", kind="flag", key=flag,
               document_version=version or 0, at=at)
    )  # fmt: skip


def _incidents(
    store: Store,
    actor: Actor,
    project: str,
    rng: random.Random,
    failures: dict[str, Any],
    now: datetime,
) -> int:
    """Incidents for some production failures (ended by a rollback or a fix) and one
    ended by turning a flag off."""
    from premiere.services.insights.incidents import record_incident
    from premiere.services.mappers import format_time

    made = 0
    for index, (deployment_id, at, rolled_back) in enumerate(failures["production"][:4]):
        begin = at + timedelta(minutes=rng.randint(3, 20))
        record_incident(store, actor, project, {
            "title": "Error rate up after a deployment", "severity": ("sev2", "sev3")[index % 2],
            "started_at": format_time(begin), "deployment": deployment_id,
            "ended_at": format_time(begin + timedelta(minutes=rng.randint(25, 180))),
            "resolution": "rollback" if rolled_back else "fix",
        })  # fmt: skip
        made += 1
    begin = _day(now - timedelta(days=38)) + timedelta(hours=10, minutes=12)
    record_incident(store, actor, project, {
        **FLAG_OFF_INCIDENT, "started_at": format_time(begin),
        "ended_at": format_time(begin + timedelta(minutes=14)),
    })  # fmt: skip
    return made + 1


def _day(moment: datetime) -> datetime:
    """The midnight that starts ``moment``'s day."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)
