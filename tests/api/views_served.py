"""Real answers, per response model of ``/openapi.json``, for tests/api/test_views.py.

Each entry calls the service function its route calls, over the store of
views_world.py; the few answers a route assembles itself (history, event counts,
OFREP, health) are read through the app.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from premiere.services import audit, audit_chain, catalog, environments, projects
from premiere.services.communication import (
    entries,
    feedback,
    listing,
    outbox,
    subscribers,
    webhooks,
)
from premiere.services.communication.delivery import Answer, Deliverer
from premiere.services.deployments import (
    checks,
    darkcode,
    github,
    history,
    ledger,
    matrix,
    promotion,
)
from premiere.services.flags import definitions, scheduled_changes, segments
from premiere.services.people import tokens
from premiere.services.releases import checklist, checklist_templates, records, schedules
from premiere.services.sdk import documents

from .views_insights import INSIGHTS_SERVED
from .views_people import PEOPLE_SERVED, token_views, tokens_created
from .views_world import ACTOR, FLAG, PROJECT, RELEASE, TRAIN, World


def served(world: World, model: str) -> list[Any]:
    """The answers compared with ``model``, read (and written) once per store."""
    if model not in world.answers:
        world.answers[model] = SERVED[model](world)
    return world.answers[model]


def _http(world: World, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
    answer = world.api.request(method, path, token, **kw)
    assert answer.status_code < 300, answer.text
    return answer.json()


def _failure(world: World, status: int, method: str, path: str, **kw: Any) -> Any:
    answer = world.api.client.request(method, path, **kw)
    assert answer.status_code == status, answer.text
    return answer.json()


def _errors(w: World) -> list[Any]:
    """An error answer of each kind: 400, 401, 403, 404, 409, 422 and 428."""
    admin = w.api.auth()
    deploy = w.api.auth(w.deploy_token)
    project = f"/api/v1/projects/{P}"
    return [
        _failure(w, 400, "POST", "/api/v1/projects", content=b"[]", headers=admin),
        _failure(w, 401, "GET", "/api/v1/projects"),
        _failure(w, 401, "POST", f"/ofrep/v1/evaluate/flags/{FLAG}", json={"context": {}}),
        _failure(w, 403, "GET", "/api/v1/tokens", headers=deploy),
        _failure(w, 404, "GET", "/api/v1/projects/no-such", headers=admin),
        _failure(w, 409, "POST", "/api/v1/projects", json={"key": P}, headers=admin),
        _failure(w, 409, "PATCH", project, json={"name": "x", "version": 1000}, headers=admin),
        _failure(w, 422, "POST", "/api/v1/projects", json={"key": "a b"}, headers=admin),
        _failure(w, 428, "PATCH", project, json={"name": "x"}, headers=admin),
    ]


def _ofrep_failures(w: World) -> list[Any]:
    sdk = w.api.auth(w.sdk_token)
    return [
        _failure(w, 404, "POST", "/ofrep/v1/evaluate/flags/no-such", json={}, headers=sdk),
        _failure(w, 400, "POST", f"/ofrep/v1/evaluate/flags/{FLAG}", content=b"{", headers=sdk),
        _failure(w, 400, "POST", "/ofrep/v1/evaluate/flags", json={"context": 1}, headers=sdk),
    ]


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
    revoked = tokens.revoke_token(w.store, ACTOR, made["id"])
    return [*token_views(w), *tokens.list_tokens(w.store), revoked]


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


CHECKLIST = [
    {"key": "support", "title": "Support briefed", "owner": "Sam", "due_days_before": 1},
    {"title": "Docs published", "owner": "docs@example.com", "due_at": "2030-01-01T09:00:00Z"},
]
"""Items not required: the world's release starts elsewhere."""

SERVED: dict[str, Served] = {
    "ErrorBody": _errors,
    "OfrepFailure": _ofrep_failures,
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
    "TokenCreated": lambda w: [w.token_created, *tokens_created(w)],
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
    "ChecklistTemplateView": lambda w: [
        checklist_templates.get_checklist_template(w.store, P),
        checklist_templates.set_checklist_template(w.store, ACTOR, P, {"items": CHECKLIST[:1]}),
    ],
    "ChecklistView": lambda w: [
        checklist.set_release_checklist(w.store, ACTOR, P, RELEASE, {"items": CHECKLIST}),
        checklist.get_release_checklist(w.store, P, RELEASE),
    ],
    "ChecklistItemView": lambda w: [
        checklist.set_release_checklist(w.store, ACTOR, P, RELEASE, {"items": CHECKLIST})["items"][
            0
        ],
        checklist.tick_checklist_item(w.store, ACTOR, P, RELEASE, "support"),
        checklist.untick_checklist_item(w.store, ACTOR, P, RELEASE, "support"),
    ],
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
    "NoteView": lambda w: _note_views(w),
    "NotePage": lambda w: [
        listing.list_project_notes(w.store, P),
        listing.list_project_notes(w.store, P, public=True),
        listing.list_project_notes(w.store, P, limit=1),
    ],
    "OutgoingWebhookCreated": lambda w: _outgoing(w)[:2],
    "OutgoingWebhookView": lambda w: [
        *webhooks.list_webhooks(w.store, P),
        webhooks.get_webhook(w.store, P, _outgoing(w)[0]["id"]),
    ],
    "OutboxDeliveryPage": lambda w: [
        outbox.list_deliveries(w.store, P, _outgoing(w)[0]["id"]),
        outbox.list_deliveries(w.store, P, _outgoing(w)[0]["id"], limit=1),
    ],
    "OutboxDeliveryView": lambda w: _outgoing(w)[2:],
    "EmailSubscriberView": lambda w: [
        subscribers.subscribe(
            w.store, ACTOR, P, {"email": "a@example.com", "categories": ["note"]}
        ),
        *subscribers.list_subscribers(w.store, P),
    ],
    "WhatsNew": lambda w: _whats_new(w)[:2],
    "FeedbackView": lambda w: _whats_new(w)[2:],
    "FeedbackSummary": lambda w: [
        (_whats_new(w), feedback.summarize_release_feedback(w.store, P, RELEASE))[1]
    ],
    **PEOPLE_SERVED,
    **INSIGHTS_SERVED,
    "UnsubscribedView": lambda w: [
        subscribers.unsubscribe(
            w.store,
            subscribers.subscribe(
                w.store, ACTOR, P, {"email": "b@example.com", "categories": ["release"]}
            )["id"]
            and _token_of(w, "b@example.com"),
        )
    ],
}


def _note_views(w: World) -> list[Any]:
    data = {
        "title": "Receipts by mail",
        "body": "**Yes**",
        "category": "security",
        "audience": "beta-testers",
        "features": [FLAG],
        "links": [{"label": "Docs", "url": "https://docs.example.com"}],
        "image_url": "https://cdn.example.com/r.png",
        "internal": "for support",
    }
    note = entries.create_note(w.store, ACTOR, P, RELEASE, data)
    published = entries.publish_note(w.store, ACTOR, P, RELEASE, note["id"])
    return [note, published, *entries.list_release_notes(w.store, P, RELEASE)]


def _whats_new(w: World) -> list[Any]:
    """What's new before and after a note is marked seen; two pieces of feedback on it."""
    if "_whats_new" not in w.answers:
        data = {"title": "Shown to all", "body": "*New*", "features": []}
        note = entries.create_note(w.store, ACTOR, P, RELEASE, data)
        entries.publish_note(w.store, ACTOR, P, RELEASE, note["id"])
        context = {"context": {"key": "user-1"}}
        post = functools.partial(_http, w, "POST", token=w.sdk_token)
        w.answers["_whats_new"] = [
            post("/api/v1/whats-new", json=context),
            post("/api/v1/whats-new/seen", json=context),
            post(f"/api/v1/whats-new/{note['id']}/feedback", json={**context, "reaction": "love"}),
            post(f"/api/v1/whats-new/{note['id']}/feedback", json={**context, "comment": "Yes"}),
        ]
    return w.answers["_whats_new"]


def _token_of(w: World, address: str) -> str:
    from sqlalchemy import select

    from premiere.store.outbox import EmailSubscriber

    with w.store.read() as session:
        return str(
            session.scalar(select(EmailSubscriber.token).where(EmailSubscriber.email == address))
        )


def _outgoing(w: World) -> list[Any]:
    """A webhook (created, rotated), its ping answered 200, another 500, and redelivered."""
    if "_outgoing" not in w.answers:
        body = {"url": "https://hooks.example.com/x", "events": ["release.started"]}
        created = webhooks.create_webhook(w.store, ACTOR, P, body)
        rotated = webhooks.rotate_webhook_secret(w.store, ACTOR, P, created["id"])
        pings = [outbox.send_test_event(w.store, ACTOR, P, created["id"]) for _ in range(2)]
        answers = iter([Answer(200, "ok", None), Answer(500, "no", "HTTP 500")])
        deliverer = Deliverer(w.store, send=lambda *_: next(answers), workers=1)
        deliverer.deliver_due()
        deliverer.stop()
        again = outbox.redeliver(w.store, P, pings[0]["id"])
        later = [outbox.get_delivery(w.store, P, ping["id"]) for ping in pings]
        w.answers["_outgoing"] = [created, rotated, *pings, again, *later]
    return w.answers["_outgoing"]


def _ofrep_context() -> dict[str, Any]:
    return {"context": {"targetingKey": "user-1", "country": "NL"}}
