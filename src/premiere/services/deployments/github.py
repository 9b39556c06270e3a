"""GitHub webhooks onto the ledger: ``deployment`` and ``deployment_status`` events.

Each project has its own webhook secret. A delivery is accepted only when its
``X-Hub-Signature-256`` is the HMAC-SHA256 of the raw body with that secret; the
secret is therefore stored as given (a hash could not sign) and never returned.

Mapping (``payload`` is the event; ``d`` is ``payload.deployment``; ``d.payload`` may
be an object or a JSON string):

- environment  <- ``d.environment``
- service      <- ``d.payload.service``, else ``payload.repository.name``
- version      <- ``d.payload.version``, else the first 12 characters of ``d.sha``
- commit_sha   <- ``d.sha``; features <- ``d.payload.features``; artifact <- ``d.payload.artifact``
- idempotency key ``github-deployment-<d.id>``: a redelivery records nothing new.
- ``X-GitHub-Delivery`` is remembered once a delivery is applied: a replay of the same
  delivery (same id) is acknowledged as ``replayed`` and changes nothing. The leading
  scheduler forgets deliveries older than ``PREMIERE_WEBHOOK_DELIVERY_RETENTION_DAYS``.
- ``deployment_status.state``: ``in_progress`` -> in_progress, ``success`` -> done
  (verification runs), ``failure``/``error`` -> failed; ``queued``, ``pending``,
  ``inactive`` change nothing. A status the deployment cannot take any more (a
  redelivery after success) is acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NotRequired, TypedDict

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from premiere.errors import (
    AuthenticationError,
    InvalidStateError,
    MalformedRequestError,
    NotFoundError,
    ValidationError,
)
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.deployments.ledger import (
    change_deployment_status,
    finish_deployment,
    record_deployment,
)
from premiere.services.deployments.views import DeploymentView
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import Validator, is_key, surrogate_paths
from premiere.store import Store
from premiere.store.deployments import WebhookDelivery, WebhookSecret
from premiere.store.models import Project
from premiere.store.types import utc_now

PROVIDER = "github"
SECRET_MAX = 500
STATE_TO_STATUS = {"in_progress": "in_progress", "failure": "failed", "error": "failed"}


class SecretView(TypedDict):
    project: str
    provider: str
    configured: bool
    updated_at: str | None


class WebhookResult(TypedDict):
    """What a delivery did: ``action`` is pong, recorded, seen, ignored, replayed or
    the deployment_status state applied."""

    event: str | None
    action: str
    delivery: NotRequired[str]
    reason: NotRequired[str]
    deployment: NotRequired[DeploymentView]


def set_webhook_secret(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> SecretView:
    validator = Validator(data)
    validator.allowed(("secret",))
    if validator.required("secret"):
        secret = data["secret"]
        if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX:
            validator.add("secret", "max_length", f"must be 1 to {SECRET_MAX} characters")
    validator.raise_if_any()
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = session.get(WebhookSecret, (project_row.id, PROVIDER))
        now = utc_now()
        if row is None:
            row = WebhookSecret(
                project_id=project_row.id, provider=PROVIDER, secret=data["secret"], created_at=now
            )
            session.add(row)
        row.secret = data["secret"]
        row.updated_at = now
        view = _secret_view(project, row)
        record_audit_event(
            session,
            actor,
            "webhook_secret.updated",
            project=project,
            resource_type="webhook_secret",
            resource_key=PROVIDER,
            after=view,
        )
    return view


def get_webhook_secret(store: Store, project: str) -> SecretView:
    """Whether a secret is set, and since when (never the secret)."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        return _secret_view(project, session.get(WebhookSecret, (project_row.id, PROVIDER)))


def delete_webhook_secret(store: Store, actor: Actor, project: str) -> None:
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = session.get(WebhookSecret, (project_row.id, PROVIDER))
        if row is None:
            return
        before = _secret_view(project, row)
        session.delete(row)
        record_audit_event(
            session,
            actor,
            "webhook_secret.deleted",
            project=project,
            resource_type="webhook_secret",
            resource_key=PROVIDER,
            before=before,
        )


def handle_github_event(
    store: Store,
    project: str,
    event: str | None,
    signature: str | None,
    body: bytes,
    delivery: str | None = None,
) -> WebhookResult:
    """Verify, parse and apply one delivery. ``{"event", "action", "deployment"?}``.

    ``delivery`` is ``X-GitHub-Delivery``: a delivery applied once is remembered, and
    the same one sent again (a replay) answers ``"action": "replayed"``, changing nothing.
    """
    verify_signature(store, project, signature, body)
    if delivery is not None and not (delivery.isascii() and delivery.isprintable()):
        raise MalformedRequestError(
            "X-GitHub-Delivery must be printable ASCII (GitHub sends a GUID)",
            {"field": "header.x-github-delivery", "rule": "type"},
        )
    if delivery is not None and _delivered(store, project, delivery):
        return {"event": event, "action": "replayed", "delivery": delivery}
    result = _apply_event(store, project, event, body)
    if delivery is not None:
        _remember_delivery(store, project, delivery)
    return result


def _apply_event(store: Store, project: str, event: str | None, body: bytes) -> WebhookResult:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nesting too deep, too
        raise MalformedRequestError("the webhook body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedRequestError("the webhook body must be a JSON object")
    for path in surrogate_paths(payload):
        raise MalformedRequestError(
            f"the webhook body is not Unicode text: {path} holds a lone UTF-16 surrogate",
            {"field": path, "rule": "lone_surrogate"},
        )
    if event == "ping":
        return {"event": "ping", "action": "pong"}
    if event not in ("deployment", "deployment_status"):
        return {"event": event, "action": "ignored"}
    actor = _actor(payload)
    fields = map_deployment(payload)
    try:
        view, created = record_deployment(store, actor, project, fields)
    except ValidationError as error:
        raise MalformedRequestError(
            f"the deployment in the webhook does not fit the ledger: {error.message}",
            error.details,
        ) from None
    if event == "deployment":
        return {"event": event, "action": "recorded" if created else "seen", "deployment": view}
    return _apply_status(store, actor, project, payload, view)


def verify_signature(store: Store, project: str, signature: str | None, body: bytes) -> None:
    secret: str | None = None
    if is_key(project):
        with store.read() as session:
            try:
                project_row: Project | None = get_project_row(session, project)
            except NotFoundError:  # unknown project: answered like a missing secret
                project_row = None
            if project_row is not None:
                row = session.get(WebhookSecret, (project_row.id, PROVIDER))
                secret = row.secret if row else None
    if secret is None:
        raise AuthenticationError(f"project {project!r} has no GitHub webhook secret configured")
    if not signature or not signature.startswith("sha256="):
        raise AuthenticationError("X-Hub-Signature-256 is missing")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sent = signature.strip()  # compared as bytes: a non-ASCII header is a mismatch, too
    if not hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace")):
        raise AuthenticationError("X-Hub-Signature-256 does not match the body")


def _delivered(store: Store, project: str, delivery: str) -> bool:
    with store.read() as session:
        project_row = get_project_row(session, project)
        key = (project_row.id, PROVIDER, delivery)
        return session.get(WebhookDelivery, key) is not None


def _remember_delivery(store: Store, project: str, delivery: str) -> None:
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            session.add(
                WebhookDelivery(project_id=project_row.id, provider=PROVIDER, delivery_id=delivery)
            )
    except IntegrityError:  # the same delivery, sent twice at once, was applied twice
        pass


def prune_webhook_deliveries(
    store: Store, retention: timedelta, *, now: datetime | None = None
) -> int:
    """Forget the deliveries received longer than ``retention`` ago; how many. A replay
    of a forgotten delivery is applied again (its deployment's idempotency key still
    records nothing new)."""
    before = (now or utc_now()) - retention
    with store.write() as session:
        result = session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.received_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def map_deployment(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ledger fields of ``payload.deployment``; 400 when the shape is wrong."""
    deployment = payload.get("deployment")
    if not isinstance(deployment, Mapping):
        raise MalformedRequestError("the webhook has no deployment object")
    extra = deployment.get("payload")
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else {}
        except ValueError:
            extra = {}
    extra = extra if isinstance(extra, Mapping) else {}
    repository = payload.get("repository")
    repo_name = repository.get("name") if isinstance(repository, Mapping) else None
    sha, gid = deployment.get("sha"), deployment.get("id")
    problems = [
        name
        for name, ok in (
            ("deployment.id", isinstance(gid, int) and not isinstance(gid, bool)),
            ("deployment.sha", isinstance(sha, str)),
            ("deployment.environment", isinstance(deployment.get("environment"), str)),
            ("deployment.payload.service or repository.name", extra.get("service") or repo_name),
        )
        if not ok
    ]
    if problems:
        raise MalformedRequestError(
            f"the webhook's deployment lacks {', '.join(problems)}", {"missing": problems}
        )
    fields: dict[str, Any] = {
        "service": extra.get("service") or repo_name,
        "environment": deployment["environment"],
        "version": extra.get("version") or str(sha)[:12],
        "commit_sha": sha,
        "idempotency_key": f"github-deployment-{gid}",
    }
    for name in ("features", "artifact"):
        if extra.get(name) is not None:
            fields[name] = extra[name]
    return fields


def _apply_status(
    store: Store,
    actor: Actor,
    project: str,
    payload: Mapping[str, Any],
    view: DeploymentView,
) -> WebhookResult:
    status = payload.get("deployment_status")
    if not isinstance(status, Mapping) or not isinstance(status.get("state"), str):
        raise MalformedRequestError("the webhook has no deployment_status.state")
    state = status["state"]
    description = status.get("description")
    reason = description[:10_000] if isinstance(description, str) and description else None
    data: dict[str, Any] = {"reason": reason} if reason else {}
    try:
        if state == "success":
            view = finish_deployment(
                store, actor, project, view["id"], {"outcome": "succeeded", **data}
            )
        elif state in STATE_TO_STATUS:
            view = change_deployment_status(
                store, actor, project, view["id"], {"status": STATE_TO_STATUS[state], **data}
            )
        else:
            return {"event": "deployment_status", "action": "ignored", "deployment": view}
    except InvalidStateError as error:
        return {
            "event": "deployment_status",
            "action": "ignored",
            "reason": error.message,
            "deployment": view,
        }
    return {"event": "deployment_status", "action": state, "deployment": view}


def _actor(payload: Mapping[str, Any]) -> Actor:
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, Mapping) else None
    usable = isinstance(login, str) and login and login.isprintable()  # no NUL, no controls
    name = f"github:{login}" if usable else "github"
    return Actor(kind="system", id="github-webhook", name=name[:200])


def _secret_view(project: str, row: WebhookSecret | None) -> SecretView:
    return {
        "project": project,
        "provider": PROVIDER,
        "configured": row is not None,
        "updated_at": format_time(row.updated_at) if row else None,
    }
