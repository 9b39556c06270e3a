"""The worked example of docs/insights.md, written straight into the store: a dozen
production deployments over three weeks of March 2026, a failure rolled back then
fixed, a deployment without a commit time, an incident, and four releases (one paused
a week, one rolled back by a guard, one by hand, one still rolling out when an
incident turned its flag off)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.environments import create_environment
from premiere.services.projects import create_project
from premiere.store import Store
from premiere.store.deployments import Deployment, DeploymentFeature, EnvironmentServiceState
from premiere.store.incidents import Incident
from premiere.store.models import Change, Environment, Project, Service
from premiere.store.releases import Release, ReleaseGuardDecision

PROJECT = "shop"
ACTOR = Actor(kind="user", id="u-1", name="Ada")
PERIOD = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-23T00:00:00Z", "grain": "week"}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


# name: (service, version, commit time, finished (= verified unless failed), outcome, features)
DEPLOYMENTS: dict[str, tuple[str, str, datetime | None, datetime, str, list[str]]] = {
    "D1": ("api", "1.0.0", at(2, 8), at(2, 10), "ok", ["new-checkout"]),
    "D2": ("web", "2.0.0", at(3, 9), at(3, 12), "ok", ["dark-mode"]),
    "D3": ("api", "1.1.0", at(4, 6), at(4, 12), "ok", []),
    "D4": ("web", "2.1.0", None, at(5, 15), "ok", ["promo-banner"]),
    "D5": ("api", "1.2.0", at(9, 10), at(9, 12), "failed_verification", []),
    "D6": ("api", "1.1.0", at(4, 6), at(9, 12, 30), "rollback_of_D5", []),
    "D7": ("api", "1.2.1", at(9, 14), at(9, 16), "fix", []),
    "D8": ("web", "2.2.0", at(11, 8), at(11, 9), "ok", []),
    "D9": ("web", "2.2.1", at(11, 11), at(11, 13), "fix", []),
    "D10": ("api", "1.3.0", at(16, 9), at(17, 9), "ok", ["search-v2"]),
    "D11": ("web", "2.3.0", at(18, 10), at(18, 10, 30), "ok", ["dark-mode"]),
    "D12": ("api", "1.4.0", at(20, 8), at(20, 20), "ok", ["search-v2", "legacy-export"]),
}
# Not counted: one in staging, one whose pipeline failed before deploying.
STAGING = ("api", "1.3.0", at(16, 9), at(16, 12), "ok", ["search-v2"])
PIPELINE_FAILED = ("web", "2.4.0", at(19, 9), at(19, 10), "pipeline_failed", [])


def build_history(store: Store) -> dict[str, int]:
    """The example's rows; returns the deployments' ids by name."""
    create_project(store, ACTOR, {"key": PROJECT})
    create_environment(store, ACTOR, PROJECT, {"key": "staging"})
    create_environment(store, ACTOR, PROJECT, {"key": "production", "production": True})
    for service in ("api", "web"):
        create_service(store, ACTOR, PROJECT, {"key": service})
    with store.write() as session:
        project = session.query(Project).filter_by(key=PROJECT).one()
        envs = {e.key: e for e in session.query(Environment).filter_by(project_id=project.id)}
        services = {s.key: s for s in session.query(Service).filter_by(project_id=project.id)}
        ids: dict[str, int] = {}

        def add(name: str, spec: Any, environment: str) -> Deployment:
            service, version, commit, finished, outcome, features = spec
            ok = outcome not in ("failed_verification", "pipeline_failed")
            row = Deployment(
                project_id=project.id,
                service_id=services[service].id,
                environment_id=envs[environment].id,
                version=version,
                commit_sha="abcdef1",
                commit_time=commit,
                commits=[],
                status="succeeded" if ok else "failed",
                actor_kind="user",
                actor_id="u-1",
                actor_name="Ada",
                features=features,
                checks=[],
                verification_status={
                    "failed_verification": "failed",
                    "pipeline_failed": "none",
                }.get(outcome, "passed"),
                fix=outcome == "fix",
                rollback_of_id=ids["D5"] if outcome == "rollback_of_D5" else None,
                created_at=finished,
                updated_at=finished,
                started_at=finished,
                finished_at=finished,
                verified_at=finished if ok else None,
            )
            session.add(row)
            session.flush()
            for key in features:
                session.add(
                    DeploymentFeature(deployment_id=row.id, flag_key=key, project_id=project.id)
                )
            ids[name] = row.id
            return row

        for name, spec in DEPLOYMENTS.items():
            add(name, spec, "production")
        add("S1", STAGING, "staging")
        add("P1", PIPELINE_FAILED, "production")
        failed = session.get(Deployment, ids["D5"])
        assert failed is not None
        failed.status, failed.rolled_back_by_id = "rolled_back", ids["D6"]
        production = envs["production"].id
        for service, name in (("api", "D12"), ("web", "D11")):
            session.add(
                EnvironmentServiceState(
                    service_id=services[service].id,
                    environment_id=production,
                    project_id=project.id,
                    deployment_id=ids[name],
                    since=DEPLOYMENTS[name][3],
                )
            )
        _releases(session, project.id)
        _incidents(session, project.id, ids["D8"])
        for moment in (at(5, 10), at(10, 15, 0, 2)):  # R1's start, R2's guard rollback
            session.add(
                Change(project=PROJECT, environment="production", kind="flag", key="x",
                       document_version=2, at=moment)
            )  # fmt: skip
    return ids


def _release(project_id: int, key: str, flag: str, state: str, **times: Any) -> Release:
    return Release(
        project_id=project_id,
        key=key,
        name=key,
        environment="production",
        spec={"features": [{"flag": flag}]},
        state=state,
        snapshots={},
        digest="d",
        created_by={"kind": "user", "id": "u-1", "name": "Ada"},
        **times,
    )


def _releases(session: Any, project_id: int) -> None:
    session.add_all(
        [
            # paused from March 6 to March 13, released March 16
            _release(project_id, "checkout", "new-checkout", "released",
                     started_at=at(5, 10), finished_at=at(16, 10)),
            _release(project_id, "dark-mode", "dark-mode", "rolled_back",
                     started_at=at(10, 9), finished_at=at(10, 15)),
            _release(project_id, "search", "search-v2", "rolling_out", started_at=at(18, 12)),
            _release(project_id, "banner", "promo-banner", "rolled_back",
                     started_at=at(12, 9), finished_at=at(12, 11)),
        ]
    )  # fmt: skip
    session.flush()
    dark = session.query(Release).filter_by(project_id=project_id, key="dark-mode").one()
    session.add(
        ReleaseGuardDecision(
            release_id=dark.id,
            at=at(10, 15),
            stage=0,
            status="regressed",
            details={"guard": 0, "action": "rolled_back"},
        )
    )


def _incidents(session: Any, project_id: int, deployment_id: int) -> None:
    common = {"project_id": project_id, "source": "api", "created_by": {"kind": "user"}}
    session.add_all(
        [
            Incident(title="Checkout errors", severity="sev2", started_at=at(11, 10),
                     ended_at=at(11, 13), deployment_id=deployment_id, resolution="fix",
                     **common),
            Incident(title="Search returns nothing", severity="sev3", started_at=at(19, 10),
                     ended_at=at(19, 10, 20), release="search", flag="search-v2",
                     resolution="flag_off", **common),
        ]
    )  # fmt: skip
