"""The store tests/api/test_views.py reads answers from, made through the services.

One store holds the demo project plus one of everything the demo does not make (a
token, an approval, a guard decision, a scheduled start, a release lifecycle, a
release train, a scheduled change, a freeze window, SDK events, verification checks
that ran, a policy, a webhook secret and deliveries, a promotion and a rollback).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.cli.server.demo import seed_demo
from premiere.services import Actor
from premiere.services.deployments import checks, github, ledger, promotion
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.probes import result_of, run_check
from premiere.services.flags import definitions, scheduled_changes
from premiere.services.people import tokens
from premiere.services.releases import checklist, records, schedules
from premiere.services.releases.tick import record_guard_decision
from premiere.services.sdk import events
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
    deploy_token: str
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
    answers: dict[str, list[Any]] = field(default_factory=dict)  # by model, read once


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
        deploy_token=api.token("deploy", PROJECT),
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
        checklist.tick_checklist_item(store, ACTOR, PROJECT, key, "support-briefed")
    steps: list[tuple[str, Any, dict[str, Any]]] = [
        ("views-rel", records.start_release, {"override_freeze": True, "reason": "go"}),
        ("views-rel", records.advance_release, {}),
        ("views-rel", records.pause_release, {"reason": "look"}),
        ("views-rel", records.resume_release, {}),
        ("views-rel", records.rollback_release, {"reason": "bad"}),
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
