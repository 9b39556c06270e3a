"""Real answers, per response model of ``/openapi.json``, for tests/api/test_views.py.

One store holds the demo project plus one of everything the demo does not make (a
token, an approval, a guard decision, a scheduled start, a release train, a scheduled
change, a freeze window, SDK events, a verification check, a policy, a webhook
secret, a promotion and a rollback). Each entry calls the service function its route
calls; the few answers a route assembles itself (history, event counts, OFREP,
health) are read through the app.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.cli.server.demo import seed_demo
from premiere.services import Actor, audit, audit_chain, catalog, environments, projects, tokens
from premiere.services.deployments import (
    checks,
    darkcode,
    github,
    history,
    ledger,
    matrix,
    promotion,
)
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.probes import result_of, run_check
from premiere.services.flags import definitions, scheduled_changes, segments
from premiere.services.releases import records, schedules
from premiere.services.releases.tick import record_guard_decision
from premiere.services.sdk import documents, events
from premiere.store import Store

from .support import Api

PROJECT, RELEASE, TRAIN, FLAG = "demo", "recommendations-v2", "weekly", "new-checkout"
ACTOR = Actor(kind="user", id="u-1", name="Ada")
SECRET = "a webhook secret"


@dataclass
class World:
    api: Api
    store: Store
    sdk_token: str
    token_created: dict[str, Any]
    change: dict[str, Any]
    cancelled: dict[str, Any]
    freeze: dict[str, Any]
    train: dict[str, Any]
    approval: dict[str, Any]
    counted: dict[str, Any]
    check: dict[str, Any]
    policy: dict[str, Any]
    secret: dict[str, Any]
    deployments: list[dict[str, Any]]
    webhooks: list[dict[str, Any]]
    flag_writes: list[dict[str, Any]]
    other_writes: list[dict[str, Any]]
    releases: list[dict[str, Any]]
    answers: dict[str, list[Any]] = field(default_factory=dict)

    def served(self, model: str) -> list[Any]:
        """The answers compared with ``model``, read (and written) once."""
        if model not in self.answers:
            self.answers[model] = SERVED[model](self)
        return self.answers[model]


def build_world(api: Api) -> World:
    """Everything the answers below read, made through the services."""
    store = api.store
    seed_demo(store)
    later = datetime.now(UTC) + timedelta(days=30)
    sdk_token = api.token("sdk-server", PROJECT, "production")
    created = tokens.create_token(store, ACTOR, {"name": "ci", "scope": "deploy"})
    approval = records.approve_release(store, ACTOR, PROJECT, RELEASE, {"comment": "ok"})
    record_guard_decision(store, PROJECT, RELEASE, {"status": "healthy", "guard": "errors"})
    version = records.get_release(store, PROJECT, RELEASE)["version"]
    start = {"start_at": later.isoformat()}
    scheduled = records.schedule_release(store, ACTOR, PROJECT, RELEASE, start, version)
    cadence = {"weekday": "monday", "time": "09:00", "anchor": "2026-01-05"}
    train = schedules.create_release_train(
        store, ACTOR, PROJECT, {"key": TRAIN, "cadence": cadence}
    )
    edited_train = schedules.update_release_train(
        store, ACTOR, PROJECT, TRAIN, {"name": "Weekly"}, train["version"]
    )
    change = {"flag": FLAG, "environment": "production", "patch": {"on": True}}
    change = scheduled_changes.create_scheduled_change(
        store, ACTOR, PROJECT, {**change, "at": later.isoformat(), "reason": "launch"}
    )
    other = {"flag": FLAG, "environment": "staging", "patch": {"on": False}}
    other = scheduled_changes.create_scheduled_change(
        store, ACTOR, PROJECT, {**other, "at": later.isoformat()}
    )
    cancelled = scheduled_changes.cancel_scheduled_change(store, ACTOR, PROJECT, other["id"])
    window = {"environment": "production", "start": later.isoformat(), "reason": "launch"}
    window["end"] = (later + timedelta(hours=2)).isoformat()
    freeze = schedules.create_freeze_window(store, ACTOR, PROJECT, window)
    counted = events.record_sdk_events(store, tokens.authenticate(store, sdk_token), _batch())
    check = checks.create_check(store, ACTOR, PROJECT, "api", _command_check(), AddressPolicy())
    policy = promotion.get_environment_policy(store, PROJECT, "production")
    edited_policy = promotion.update_environment_policy(
        store,
        ACTOR,
        PROJECT,
        "production",
        {"require_verified_in_previous": True},
        policy["version"],
    )
    secret = github.set_webhook_secret(store, ACTOR, PROJECT, {"secret": SECRET})
    return World(
        api=api,
        store=store,
        sdk_token=sdk_token,
        token_created=created,
        change=change,
        cancelled=cancelled,
        freeze=freeze,
        train=train,
        approval=approval,
        counted=counted,
        check=check,
        policy=edited_policy,
        secret=secret,
        deployments=[*_deployments(store), *_verified(store)],
        webhooks=_webhooks(store),
        flag_writes=_flag_writes(store),
        other_writes=[scheduled, edited_train],
        releases=_release_lifecycle(store),
    )


def _batch() -> dict[str, Any]:
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    return {
        "period_start": start.isoformat().replace("+00:00", "Z"),
        "period_end": (start + timedelta(seconds=30)).isoformat().replace("+00:00", "Z"),
        "flags": [{"key": FLAG, "variation": 0, "reason": "FALLTHROUGH", "count": 5}],
        "custom": [{"key": "purchase", "count": 3}],
    }


def _command_check() -> dict[str, Any]:
    return {"key": "smoke", "kind": "command", "environment": "staging", "argv": ["true"]}


def _deployments(store: Store) -> list[dict[str, Any]]:
    """A recorded, a failed, a promoted and a rolled-back deployment."""
    data = {"service": "worker", "environment": "development", "version": "1.0.0"}
    recorded, _ = ledger.record_deployment(store, ACTOR, PROJECT, {**data, "commit_sha": "abc1234"})
    started = ledger.change_deployment_status(
        store, ACTOR, PROJECT, recorded["id"], {"status": "in_progress"}
    )
    failed = ledger.finish_deployment(
        store, ACTOR, PROJECT, recorded["id"], {"outcome": "failed", "reason": "boom"}
    )
    move = {"service": "api", "from": "staging", "to": "production"}
    promoted, _ = promotion.promote_deployment(store, ACTOR, PROJECT, move)
    done = {"outcome": "succeeded"}
    succeeded = ledger.finish_deployment(store, ACTOR, PROJECT, promoted["id"], done)
    rolled_back, _ = promotion.rollback_deployment(store, ACTOR, PROJECT, promoted["id"], {})
    return [recorded, started, failed, promoted, succeeded, rolled_back]


def _verified(store: Store) -> list[dict[str, Any]]:
    """Deployments whose checks ran: a command check passed, an http check failed."""
    http = {"key": "home", "kind": "http", "url": "https://web.example/health", "retries": 1}
    checks.create_check(store, ACTOR, PROJECT, "web", {**http, "environment": "development"},
                        AddressPolicy())  # fmt: skip
    answers = []
    for service, environment in (("api", "staging"), ("web", "development")):
        data = {"service": service, "environment": environment, "version": "9.0.0"}
        made, _ = ledger.record_deployment(store, ACTOR, PROJECT, {**data, "commit_sha": "abc1234"})
        done = {"outcome": "succeeded", "duration_ms": 1200}
        answers.append(ledger.finish_deployment(store, ACTOR, PROJECT, made["id"], done))
        plan = ledger.verification_plan(store, made["id"])
        assert plan, "the deployment has checks to run"
        results = [
            run_check(spec) if spec["kind"] == "command"
            else result_of(spec, "failed", 2, 0.25, reason="503", http_status=503)
            for spec in plan
        ]  # fmt: skip
        ledger.complete_verification(store, ACTOR, made["id"], results)
        answers.append(ledger.get_deployment(store, PROJECT, made["id"]))
    return answers


def _release_lifecycle(store: Store) -> list[dict[str, Any]]:
    """A release started (overriding a freeze), advanced, paused, resumed, rolled back;
    another released."""
    stages = [{"percent": 10}, {"percent": 50}, {"percent": 100}]
    base = {
        "environment": "staging",
        "plan": {"stages": stages},
        "audience": {"segment": "beta-testers"},
    }
    answers = []
    for key, flag in (("views-rel", "dark-mode"), ("views-done", "holiday-sale")):
        data = {**base, "key": key, "features": [{"flag": flag, "variation": 0}]}
        answers.append(records.create_release(store, ACTOR, PROJECT, data))
    steps: list[tuple[str, Any, dict[str, Any]]] = [
        ("views-rel", records.start_release, {"override_freeze": True, "reason": "go"}),
        ("views-rel", records.advance_release, {}),
        ("views-rel", records.pause_release, {"reason": "look"}),
        ("views-rel", records.resume_release, {}),
        ("views-rel", records.roll_back_release, {"reason": "bad"}),
        ("views-done", records.start_release, {}),
        ("views-done", records.advance_release, {}),
        ("views-done", records.advance_release, {}),
        ("views-done", records.advance_release, {}),
    ]
    for key, act, data in steps:
        version = records.get_release(store, PROJECT, key)["version"]
        answers.append(act(store, ACTOR, PROJECT, key, data, version))
    return answers


def _webhooks(store: Store) -> list[dict[str, Any]]:
    deployment = {
        "action": "created",
        "deployment": {
            "id": 7,
            "sha": "e4c3f10",
            "ref": "main",
            "environment": "testing",
            "payload": {"service": "web", "version": "2.4.0"},
        },
        "repository": {"name": "web"},
        "sender": {"login": "octocat"},
    }
    status = {**deployment, "deployment_status": {"state": "success", "description": "ci"}}
    sent = [
        ("ping", {"zen": "Keep it logically awesome."}, None),
        ("deployment", deployment, "d-1"),
        ("deployment", deployment, "d-1"),
        ("deployment", deployment, None),
        ("deployment_status", status, None),
        ("push", {}, None),
    ]
    answers = []
    for event, payload, delivery in sent:
        body = json.dumps(payload).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        answers.append(
            github.handle_github_event(store, PROJECT, event, f"sha256={digest}", body, delivery)
        )
    return answers


def _flag_writes(store: Store) -> list[dict[str, Any]]:
    flag = definitions.create_flag(
        store,
        ACTOR,
        PROJECT,
        {"key": "views-flag", "kind": "string", "variations": [{"value": "a"}, {"value": "b"}]},
    )
    updated = definitions.update_flag(
        store, ACTOR, PROJECT, "views-flag", {"description": "d"}, flag["version"]
    )
    archived = definitions.archive_flag(store, ACTOR, PROJECT, "views-flag", updated["version"])
    restored = definitions.restore_flag(store, ACTOR, PROJECT, "views-flag", archived["version"])
    return [flag, updated, archived, restored]


def _http(world: World, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
    answer = world.api.request(method, path, token, **kw)
    assert answer.status_code < 300, answer.text
    return answer.json()


Served = Callable[[World], list[Any]]
P = PROJECT


def _project_views(w: World) -> list[Any]:
    made = projects.create_project(w.store, ACTOR, {"key": "views", "description": "d"})
    updated = projects.update_project(w.store, ACTOR, "views", {"name": "V"}, made["version"])
    return [*projects.list_projects(w.store), projects.get_project(w.store, P), made, updated]


def _environment_views(w: World) -> list[Any]:
    made = environments.create_environment(w.store, ACTOR, P, {"key": "views-env"})
    updated = environments.update_environment(
        w.store, ACTOR, P, "views-env", {"name": "Views"}, made["version"]
    )
    return [*environments.list_environments(w.store, P), made, updated]


def _service_views(w: World) -> list[Any]:
    made = catalog.create_service(w.store, ACTOR, P, {"key": "views-svc"})
    updated = catalog.update_service(
        w.store, ACTOR, P, "views-svc", {"repository": "https://x.example"}, made["version"]
    )
    return [
        *catalog.list_services(w.store, P),
        catalog.get_service(w.store, P, "api"),
        made,
        updated,
    ]


def _segment_views(w: World) -> list[Any]:
    made = segments.create_segment(w.store, ACTOR, P, {"key": "views-seg", "included": ["a"]})
    replaced = segments.update_segment(
        w.store, ACTOR, P, "views-seg", {"excluded": ["b"]}, made["version"]
    )
    return [*segments.list_segments(w.store, P), made, replaced]


def _flag_config_views(w: World) -> list[Any]:
    current = definitions.get_flag_config(w.store, P, FLAG, "testing")
    patched = definitions.update_flag_config(
        w.store, ACTOR, P, FLAG, "testing", {"on": True}, current["version"], partial=True
    )
    replaced = definitions.update_flag_config(
        w.store,
        ACTOR,
        P,
        FLAG,
        "testing",
        {"fallthrough": {"variation": 0}},
        patched["version"],
        partial=False,
    )
    return [current, patched, replaced, definitions.get_flag_config(w.store, P, FLAG, "production")]


def _token_views(w: World) -> list[Any]:
    made = tokens.create_token(w.store, ACTOR, {"name": "gone", "scope": "admin"})
    return [*tokens.list_tokens(w.store), tokens.revoke_token(w.store, ACTOR, made["id"])]


def _release_views(w: World) -> list[Any]:
    made = records.create_release(
        w.store,
        ACTOR,
        P,
        {
            "key": "views-draft",
            "environment": "staging",
            "features": [{"flag": FLAG, "variation": 0}],
        },
    )
    updated = records.update_release(
        w.store, ACTOR, P, "views-draft", {"description": "d"}, made["version"]
    )
    return [*records.list_releases(w.store, P), made, updated, *w.other_writes[:1], *w.releases]


SERVED: dict[str, Served] = {
    "ProjectView": _project_views,
    "EnvironmentView": _environment_views,
    "ServiceView": _service_views,
    "FlagView": lambda w: [
        *definitions.list_flags(w.store, P, include_archived=True),
        definitions.get_flag(w.store, P, FLAG),
        *w.flag_writes,
    ],
    "FlagConfigView": _flag_config_views,
    "EvaluationView": lambda w: [
        documents.evaluate_flag(w.store, P, "production", flag, {"key": "user-1", "country": "NL"})
        for flag in ("new-checkout", "search-v2", "pricing-page-config", "dark-mode")
    ],
    "SegmentView": _segment_views,
    "TokenView": _token_views,
    "TokenCreated": lambda w: [w.token_created],
    "AuditPage": lambda w: [
        audit.list_audit_events(w.store, limit=500),
        audit.list_audit_events(w.store, limit=2),
    ],
    "AuditVerification": lambda w: [
        audit_chain.verify_audit_chains(w.store),
        audit_chain.verify_audit_chains(
            w.store,
            expect=[
                f"{head['event_id']}:{head['hash']}"
                for head in audit_chain.list_audit_chain_heads(w.store)["items"]
            ]
            + ["1:" + "0" * 64],
        ),
    ],
    "AuditChainHeads": lambda w: [audit_chain.list_audit_chain_heads(w.store)],
    "ReleaseView": _release_views,
    "ReadinessView": lambda w: [records.get_release_readiness(w.store, P, RELEASE)],
    "ApprovalView": lambda w: [w.approval, *records.list_release_approvals(w.store, P, RELEASE)],
    "TransitionView": lambda w: [
        transition
        for release in (RELEASE, "views-rel", "views-done")
        for transition in _http(w, "GET", f"/api/v1/projects/{P}/releases/{release}/history")
    ],
    "GuardDecisionView": lambda w: records.list_guard_decisions(w.store, P, RELEASE),
    "TrainView": lambda w: [
        w.train,
        *w.other_writes[1:],
        *schedules.list_release_trains(w.store, P),
        schedules.get_release_train(w.store, P, TRAIN),
    ],
    "DeparturesView": lambda w: [schedules.list_departures(w.store, P, TRAIN, count=2)],
    "ScheduledChangeView": lambda w: [
        w.change,
        w.cancelled,
        *scheduled_changes.list_scheduled_changes(w.store, P),
        scheduled_changes.get_scheduled_change(w.store, P, w.change["id"]),
    ],
    "FreezeWindowView": lambda w: [w.freeze, *schedules.list_freeze_windows(w.store, P)],
    "FlagDocument": lambda w: [
        documents.build_flag_document(w.store, P, "production"),
        documents.build_flag_document(w.store, P, "staging", client_only=True),
    ],
    "EventsCounted": lambda w: [w.counted],
    "EventCounts": lambda w: [
        _http(w, "GET", f"/api/v1/projects/{P}/environments/production/events")
    ],
    "OfrepEvaluation": lambda w: [
        _http(w, "POST", f"/ofrep/v1/evaluate/flags/{flag}", w.sdk_token, json=_ofrep_context())
        for flag in ("new-checkout", "search-v2", "pricing-page-config")
    ],
    "OfrepBulk": lambda w: [
        _http(w, "POST", "/ofrep/v1/evaluate/flags", w.sdk_token, json=_ofrep_context())
    ],
    "Health": lambda w: [_http(w, "GET", "/healthz")],
    "DeploymentView": lambda w: [
        *w.deployments,
        ledger.get_deployment(w.store, P, w.deployments[0]["id"]),
    ],
    "DeploymentPage": lambda w: [
        history.list_deployments(w.store, P, limit=500),
        history.list_deployments(w.store, P, limit=1),
    ],
    "CheckView": lambda w: [
        w.check,
        *checks.list_checks(w.store, P, "api"),
        *checks.list_checks(w.store, P, "web"),
        checks.get_check(w.store, P, "api", "smoke"),
    ],
    "PolicyView": lambda w: [w.policy, promotion.get_environment_policy(w.store, P, "staging")],
    "SecretView": lambda w: [w.secret, github.get_webhook_secret(w.store, P)],
    "WebhookResult": lambda w: w.webhooks,
    "MatrixView": lambda w: [
        matrix.get_environment_matrix(w.store, P),
        matrix.get_environment_matrix(w.store, P, service="api"),
    ],
    "FlagDeploymentsView": lambda w: [
        darkcode.list_flag_deployments(w.store, P, flag)
        for flag in ("new-checkout", "recommendations-model", "legacy-cart")
    ],
    "DarkCodeView": lambda w: [darkcode.list_dark_code(w.store, P)],
}


def _ofrep_context() -> dict[str, Any]:
    return {"context": {"targetingKey": "user-1", "country": "NL"}}
