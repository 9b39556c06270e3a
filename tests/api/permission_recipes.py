"""Per admin route, the request an allowed caller makes (for tests/api/test_permissions.py):
what it needs is made first, as the admin, by the world (permission_world.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .permission_world import ITEMS, PASSWORD, IfMatch, P, Request, World

Recipe = Callable[[World], Request]
INCIDENT = {"title": "Errors", "severity": "sev3", "started_at": "2026-03-11T10:00:00Z"}
Q = "/api/v1/projects/{project}"


def get(path: str) -> Recipe:
    return lambda w: ("GET", P + path, None)


def fresh_release(state: str, action: str, body: Any = None) -> Recipe:
    def make(w: World) -> Request:
        path = f"{P}/releases/{w.release(state)}"
        return "POST", f"{path}/{action}", w.versioned(path, **(body or {}))

    return make


def archive(w: World) -> Request:
    key = w.api.flag("demo", w.fresh("a"))["key"]
    return "POST", f"{P}/flags/{key}/archive", w.versioned(f"{P}/flags/{key}")


def delete_check(w: World) -> Request:
    path = f"{P}/services/api/checks/{w.check()}"
    return "DELETE", path, IfMatch(w.version(path))


def delete_segment(w: World) -> Request:
    path = f"{P}/segments/{w.segment()}"
    return "DELETE", path, IfMatch(w.version(path))


def rename_train(w: World) -> Request:
    path = f"{P}/release-trains/{w.train()}"
    return "PATCH", path, w.versioned(path, name="Weekly")


def restore(w: World) -> Request:
    key = w.archived_flag()
    return "POST", f"{P}/flags/{key}/restore", w.versioned(f"{P}/flags/{key}")


def replace_check(w: World) -> Request:
    path = f"{P}/services/api/checks/{w.check()}"
    return "PUT", path, w.versioned(path, kind="http", url="http://127.0.0.1:9/ready")


def rename_release(w: World) -> Request:
    path = f"{P}/releases/{w.release()}"
    return "PATCH", path, w.versioned(path, name="Renamed")


def edit_note(w: World) -> Request:
    release = w.release()
    path = f"{P}/releases/{release}/notes/{w.note(release)}"
    return "PATCH", path, w.versioned(path, title="T2")


def on_release(method: str, tail: str, body: Any = None) -> Recipe:
    return lambda w: (method, f"{P}/releases/{w.release()}{tail}", body)


def with_note(method: str, tail: str, body: Any = None) -> Recipe:
    def make(w: World) -> Request:
        release = w.release()
        return method, f"{P}/releases/{release}/notes/{w.note(release)}{tail}", body

    return make


def with_item(action: str) -> Recipe:
    def make(w: World) -> Request:
        release = w.release()
        return "POST", f"{P}/releases/{release}/checklist/{w.checklist_item(release)}/{action}", {}

    return make


RULE = {"clauses": [{"attribute": "country", "op": "in", "values": ["NL"]}]}
RELEASE = {"environment": "staging", "features": [{"flag": "banner", "variation": 0}],
           "required_approvals": 0}  # fmt: skip
R: dict[tuple[str, str], Recipe] = {
    ("GET", "/api/v1/projects"): lambda w: ("GET", "/api/v1/projects", None),
    ("POST", "/api/v1/projects"): lambda w: ("POST", "/api/v1/projects", {"key": w.fresh("p")}),
    ("GET", Q): get(""),
    ("PATCH", Q): lambda w: ("PATCH", P, w.versioned(P, name=w.fresh("Demo"))),
    ("GET", Q + "/environments"): get("/environments"),
    ("POST", Q + "/environments"): lambda w: ("POST", P + "/environments", {"key": w.fresh("e")}),
    ("GET", Q + "/environments/{environment}"): get("/environments/staging"),
    ("PATCH", Q + "/environments/{environment}"): lambda w: (
        "PATCH", P + "/environments/staging",
        w.versioned(P + "/environments/staging", name=w.fresh("Staging"))),
    ("GET", Q + "/services"): get("/services"),
    ("POST", Q + "/services"): lambda w: ("POST", P + "/services", {"key": w.fresh("s")}),
    ("GET", Q + "/services/{service}"): get("/services/api"),
    ("PATCH", Q + "/services/{service}"): lambda w: (
        "PATCH", P + "/services/api", w.versioned(P + "/services/api", name=w.fresh("Api"))),
    ("GET", Q + "/flags"): get("/flags"),
    ("POST", Q + "/flags"): lambda w: ("POST", P + "/flags", {"key": w.fresh("f")}),
    ("GET", Q + "/flags/{flag}"): get("/flags/checkout"),
    ("PATCH", Q + "/flags/{flag}"): lambda w: (
        "PATCH", P + "/flags/checkout",
        w.versioned(P + "/flags/checkout", description=w.fresh("d"))),
    ("POST", Q + "/flags/{flag}/archive"): archive,
    ("POST", Q + "/flags/{flag}/restore"): restore,
    ("GET", Q + "/flags/{flag}/environments/{environment}"): get(
        "/flags/checkout/environments/staging"),
    ("PUT", Q + "/flags/{flag}/environments/{environment}"): lambda w: (
        "PUT", f"{P}/flags/checkout/environments/{w.environment}",
        w.versioned(f"{P}/flags/checkout/environments/{w.environment}", **w.config())),
    ("PATCH", Q + "/flags/{flag}/environments/{environment}"): lambda w: (
        "PATCH", f"{P}/flags/checkout/environments/{w.environment}",
        w.versioned(f"{P}/flags/checkout/environments/{w.environment}", on=w.toggle())),
    ("POST", Q + "/environments/{environment}/evaluate/{flag}"): lambda w: (
        "POST", f"{P}/environments/staging/evaluate/checkout", {"context": {"key": "u"}}),
    ("GET", Q + "/segments"): get("/segments"),
    ("POST", Q + "/segments"): lambda w: ("POST", P + "/segments", {"key": w.fresh("g")}),
    ("GET", Q + "/segments/{segment}"): get("/segments/staff"),
    ("PUT", Q + "/segments/{segment}"): lambda w: (
        "PUT", P + "/segments/staff",
        w.versioned(P + "/segments/staff", rules=[RULE], description=w.fresh("d"))),
    ("DELETE", Q + "/segments/{segment}"): delete_segment,
    ("GET", "/api/v1/audit"): lambda w: ("GET", "/api/v1/audit?project=demo", None),
    ("GET", "/api/v1/audit/verify"): lambda w: ("GET", "/api/v1/audit/verify?project=demo", None),
    ("GET", "/api/v1/audit/heads"): lambda w: ("GET", "/api/v1/audit/heads?project=demo", None),
    ("GET", "/api/v1/tokens"): lambda w: ("GET", "/api/v1/tokens", None),
    ("POST", "/api/v1/tokens"): lambda w: (
        "POST", "/api/v1/tokens", {"name": "t", "scope": "deploy"}),
    ("DELETE", "/api/v1/tokens/{token_id}"): lambda w: (
        "DELETE", f"/api/v1/tokens/{w.token()}", None),
    ("GET", Q + "/environments/{environment}/events"): get("/environments/staging/events"),
    ("GET", Q + "/deployments"): get("/deployments"),
    ("POST", Q + "/deployments"): lambda w: ("POST", P + "/deployments", w.deployment_body()),
    ("POST", Q + "/deployments/promote"): lambda w: ("POST", P + "/deployments/promote", {
        "service": "api", "from": "staging", "to": "production", "idempotency_key": w.fresh("k"),
        **w.promotable()}),
    ("GET", Q + "/deployments/{deployment}"): lambda w: (
        "GET", f"{P}/deployments/{w.deployment()}", None),
    ("POST", Q + "/deployments/{deployment}/status"): lambda w: (
        "POST", f"{P}/deployments/{w.deployment()}/status", {"status": "in_progress"}),
    ("POST", Q + "/deployments/{deployment}/finish"): lambda w: (
        "POST", f"{P}/deployments/{w.deployment()}/finish", {"outcome": "succeeded"}),
    ("POST", Q + "/deployments/{deployment}/rollback"): lambda w: (
        "POST", f"{P}/deployments/{w.rollback_target()}/rollback", {}),
    ("GET", Q + "/services/{service}/checks"): get("/services/api/checks"),
    ("POST", Q + "/services/{service}/checks"): lambda w: ("POST", P + "/services/api/checks", {
        "key": w.fresh("c"), "kind": "http", "url": "http://127.0.0.1:9/health"}),
    ("GET", Q + "/services/{service}/checks/{key}"): lambda w: (
        "GET", f"{P}/services/api/checks/{w.check()}", None),
    ("PUT", Q + "/services/{service}/checks/{key}"): replace_check,
    ("DELETE", Q + "/services/{service}/checks/{key}"): delete_check,
    ("GET", Q + "/environments/{environment}/policy"): get("/environments/staging/policy"),
    ("PUT", Q + "/environments/{environment}/policy"): lambda w: (
        "PUT", P + "/environments/staging/policy", w.versioned(
            P + "/environments/staging/policy", require_verified_in_previous=w.toggle())),
    ("GET", Q + "/webhooks/github/secret"): lambda w: (
        "GET", P + "/webhooks/github/secret", w.github_secret()),
    ("PUT", Q + "/webhooks/github/secret"): lambda w: (
        "PUT", P + "/webhooks/github/secret", {"secret": "s3cret"}),
    ("DELETE", Q + "/webhooks/github/secret"): lambda w: (
        "DELETE", P + "/webhooks/github/secret", w.github_secret()),
    ("GET", Q + "/environment-matrix"): get("/environment-matrix"),
    ("GET", Q + "/flags/{flag}/deployments"): get("/flags/checkout/deployments"),
    ("GET", Q + "/dark-code"): get("/dark-code"),
    ("GET", Q + "/insights/dora"): get("/insights/dora"),
    ("GET", Q + "/insights/releases"): get("/insights/releases"),
    ("GET", Q + "/incidents"): get("/incidents"),
    ("POST", Q + "/incidents"): lambda w: ("POST", P + "/incidents", INCIDENT),
    ("GET", Q + "/incidents/{incident}"): lambda w: (
        "GET", f"{P}/incidents/{w.incident()}", None),
    ("POST", Q + "/incidents/{incident}/end"): lambda w: (
        "POST", f"{P}/incidents/{w.incident()}/end", {}),
    ("POST", Q + "/incidents/webhook"): lambda w: (
        "POST", P + "/incidents/webhook", {"id": w.fresh("pd"), "title": "Errors"}),
    ("GET", Q + "/releases"): get("/releases"),
    ("POST", Q + "/releases"): lambda w: (
        "POST", P + "/releases", {**RELEASE, "key": w.fresh("r")}),
    ("GET", Q + "/releases/{release}"): on_release("GET", ""),
    ("PATCH", Q + "/releases/{release}"): rename_release,
    ("GET", Q + "/releases/{release}/readiness"): on_release("GET", "/readiness"),
    ("POST", Q + "/releases/{release}/schedule"): fresh_release(
        "draft", "schedule", {"start_at": "2099-01-01T00:00:00Z"}),
    ("POST", Q + "/releases/{release}/start"): fresh_release("draft", "start"),
    ("POST", Q + "/releases/{release}/advance"): fresh_release("running", "advance"),
    ("POST", Q + "/releases/{release}/pause"): fresh_release("running", "pause"),
    ("POST", Q + "/releases/{release}/resume"): fresh_release("paused", "resume"),
    ("POST", Q + "/releases/{release}/rollback"): fresh_release("running", "rollback"),
    ("GET", Q + "/releases/{release}/approvals"): on_release("GET", "/approvals"),
    ("POST", Q + "/releases/{release}/approvals"): on_release("POST", "/approvals", {}),
    ("GET", Q + "/releases/{release}/history"): on_release("GET", "/history"),
    ("GET", Q + "/releases/{release}/guard-decisions"): on_release("GET", "/guard-decisions"),
    ("GET", Q + "/release-trains"): get("/release-trains"),
    ("POST", Q + "/release-trains"): lambda w: ("POST", P + "/release-trains", w.train_body()),
    ("GET", Q + "/release-trains/{train}"): lambda w: (
        "GET", f"{P}/release-trains/{w.train()}", None),
    ("PATCH", Q + "/release-trains/{train}"): rename_train,
    ("GET", Q + "/release-trains/{train}/departures"): lambda w: (
        "GET", f"{P}/release-trains/{w.train()}/departures", None),
    ("GET", Q + "/scheduled-changes"): get("/scheduled-changes"),
    ("POST", Q + "/scheduled-changes"): lambda w: (
        "POST", P + "/scheduled-changes", w.change_body()),
    ("GET", Q + "/scheduled-changes/{change_id}"): lambda w: (
        "GET", f"{P}/scheduled-changes/{w.change()}", None),
    ("DELETE", Q + "/scheduled-changes/{change_id}"): lambda w: (
        "DELETE", f"{P}/scheduled-changes/{w.change()}", None),
    ("GET", Q + "/freeze-windows"): get("/freeze-windows"),
    ("POST", Q + "/freeze-windows"): lambda w: ("POST", P + "/freeze-windows", w.freeze_body()),
    ("DELETE", Q + "/freeze-windows/{window_id}"): lambda w: (
        "DELETE", f"{P}/freeze-windows/{w.freeze()}", None),
    ("GET", Q + "/checklist-template"): get("/checklist-template"),
    ("PUT", Q + "/checklist-template"): lambda w: (
        "PUT", P + "/checklist-template", {"items": ITEMS}),
    ("GET", Q + "/releases/{release}/checklist"): on_release("GET", "/checklist"),
    ("PUT", Q + "/releases/{release}/checklist"): on_release("PUT", "/checklist", {"items": ITEMS}),
    ("POST", Q + "/releases/{release}/checklist/{item}/tick"): with_item("tick"),
    ("POST", Q + "/releases/{release}/checklist/{item}/untick"): with_item("untick"),
    ("GET", Q + "/notes"): get("/notes"),
    ("GET", Q + "/releases/{release}/notes"): on_release("GET", "/notes"),
    ("POST", Q + "/releases/{release}/notes"): on_release(
        "POST", "/notes", {"title": "New", "body": "Text"}),
    ("GET", Q + "/releases/{release}/notes/{note}"): with_note("GET", ""),
    ("PATCH", Q + "/releases/{release}/notes/{note}"): edit_note,
    ("DELETE", Q + "/releases/{release}/notes/{note}"): with_note("DELETE", ""),
    ("POST", Q + "/releases/{release}/notes/{note}/publish"): with_note("POST", "/publish", {}),
    ("POST", Q + "/releases/{release}/notes/{note}/unpublish"): with_note(
        "POST", "/unpublish", {}),
    ("GET", Q + "/webhooks"): get("/webhooks"),
    ("POST", Q + "/webhooks"): lambda w: ("POST", P + "/webhooks", w.webhook_body()),
    ("GET", Q + "/webhooks/{webhook_id}"): lambda w: ("GET", f"{P}/webhooks/{w.webhook()}", None),
    ("PATCH", Q + "/webhooks/{webhook_id}"): lambda w: (
        "PATCH", f"{P}/webhooks/{w.webhook()}", {"enabled": False}),
    ("DELETE", Q + "/webhooks/{webhook_id}"): lambda w: (
        "DELETE", f"{P}/webhooks/{w.webhook()}", None),
    ("POST", Q + "/webhooks/{webhook_id}/rotate-secret"): lambda w: (
        "POST", f"{P}/webhooks/{w.webhook()}/rotate-secret", None),
    ("POST", Q + "/webhooks/{webhook_id}/test"): lambda w: (
        "POST", f"{P}/webhooks/{w.webhook()}/test", None),
    ("GET", Q + "/webhooks/{webhook_id}/deliveries"): lambda w: (
        "GET", f"{P}/webhooks/{w.webhook()}/deliveries", None),
    ("GET", Q + "/deliveries/{delivery_id}"): lambda w: (
        "GET", f"{P}/deliveries/{w.delivery()}", None),
    ("POST", Q + "/deliveries/{delivery_id}/redeliver"): lambda w: (
        "POST", f"{P}/deliveries/{w.delivery()}/redeliver", None),
    ("GET", Q + "/subscribers"): get("/subscribers"),
    ("POST", Q + "/subscribers"): lambda w: (
        "POST", P + "/subscribers",
        {"email": f"{w.fresh('s')}@example.com", "categories": ["release"]}),
    ("DELETE", Q + "/subscribers/{subscriber_id}"): lambda w: (
        "DELETE", f"{P}/subscribers/{w.subscriber()}", None),
    ("GET", Q + "/timeline"): get("/timeline"),
    ("GET", "/api/v1/me"): lambda w: ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/me/tokens"): lambda w: ("GET", "/api/v1/me/tokens", None),
    ("POST", "/api/v1/me/tokens"): lambda w: ("POST", "/api/v1/me/tokens", {"name": "laptop"}),
    ("DELETE", "/api/v1/me/tokens/{token_id}"): lambda w: (
        "DELETE", f"/api/v1/me/tokens/{w.caller_token}", None),
    ("POST", "/api/v1/me/password"): lambda w: (
        "POST", "/api/v1/me/password", {"current": PASSWORD, "new": "another long secret"}),
    ("GET", "/api/v1/people"): lambda w: ("GET", "/api/v1/people", None),
    ("GET", "/api/v1/people/{person_id}"): lambda w: ("GET", f"/api/v1/people/{w.person()}", None),
    ("PATCH", "/api/v1/people/{person_id}"): lambda w: (
        "PATCH", f"/api/v1/people/{w.person()}", {"name": "Renamed"}),
    ("DELETE", "/api/v1/people/{person_id}"): lambda w: (
        "DELETE", f"/api/v1/people/{w.person()}", None),
    ("PUT", "/api/v1/people/{person_id}/roles"): lambda w: (
        "PUT", f"/api/v1/people/{w.person()}/roles",
        {"roles": [{"project": "demo", "role": "engineer"}]}),
    ("GET", "/api/v1/invitations"): lambda w: ("GET", "/api/v1/invitations", None),
    ("POST", "/api/v1/invitations"): lambda w: ("POST", "/api/v1/invitations", {
        "email": f"{w.fresh('i')}@example.com", "role": "viewer", "project": "demo"}),
    ("DELETE", "/api/v1/invitations/{invitation_id}"): lambda w: (
        "DELETE", f"/api/v1/invitations/{w.invitation()}", None),
    ("GET", "/api/v1/service-accounts"): lambda w: ("GET", "/api/v1/service-accounts", None),
    ("POST", "/api/v1/service-accounts"): lambda w: (
        "POST", "/api/v1/service-accounts", {"name": w.fresh("ci")}),
    ("POST", "/api/v1/service-accounts/{account_id}/tokens"): lambda w: (
        "POST", f"/api/v1/service-accounts/{w.service_account()}/tokens", {"name": "deploy"}),
    ("DELETE", "/api/v1/service-accounts/{account_id}"): lambda w: (
        "DELETE", f"/api/v1/service-accounts/{w.service_account()}", None),
    ("GET", Q + "/releases/{release}/feedback"): on_release("GET", "/feedback"),
    ("GET", Q + "/releases/{release}/feedback.csv"): on_release("GET", "/feedback.csv"),
}  # fmt: skip
"""Per route, the request an allowed caller makes (resources made first, as the admin)."""
