"""Verification checks: the probes run after a deployment of a service reports done.

A check belongs to a service and applies to one environment (``environment``) or to
all (``null``). ``http`` checks request a URL and compare the status, the body and a
JSON field; ``command`` checks run an argv on the Premiere server and compare its exit
code. Because a command check runs arbitrary programs as the server's user, only admin
tokens may configure checks (enforced by the HTTP API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.rows import get_service_row
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import Validator, is_key
from premiere.store import Store
from premiere.store.concurrency import require_current_version, require_version
from premiere.store.deployments import VerificationCheck
from premiere.store.models import Project, Service
from premiere.store.types import utc_now

COMMON = ("key", "kind", "environment", "timeout_seconds", "retries", "interval_seconds", "backoff")
HTTP_FIELDS = ("url", "method", "expected_status", "body_contains", "json_field")
COMMAND_FIELDS = ("argv", "expected_exit_code")
DEFAULTS: Mapping[str, Any] = {
    "timeout_seconds": 5.0,
    "retries": 0,
    "interval_seconds": 1.0,
    "backoff": 2.0,
}
HTTP_DEFAULTS: Mapping[str, Any] = {
    "method": "GET",
    "expected_status": 200,
    "body_contains": None,
    "json_field": None,
}
LIMITS = {"timeout_seconds": (0.05, 60.0), "interval_seconds": (0.0, 60.0), "backoff": (1.0, 10.0)}
MAX_RETRIES = 10
URL = re.compile(r"^https?://[^\s]{1,2000}$")


class KindFields(TypedDict, total=False):
    """An http check's fields, or a command check's."""

    method: str
    expected_status: int
    body_contains: str | None
    json_field: dict[str, Any] | None
    url: str
    argv: list[str]
    expected_exit_code: int


class CheckView(TypedDict):
    """A check; the http fields only for ``kind`` http, the command ones for command."""

    key: str
    project: str
    service: str
    environment: str | None
    kind: str
    timeout_seconds: float
    retries: int
    interval_seconds: float
    backoff: float
    method: NotRequired[str]
    expected_status: NotRequired[int]
    body_contains: NotRequired[str | None]
    json_field: NotRequired[dict[str, Any] | None]
    url: NotRequired[str]
    argv: NotRequired[list[str]]
    expected_exit_code: NotRequired[int]
    version: int
    created_at: str
    updated_at: str


def list_checks(store: Store, project: str, service: str) -> list[CheckView]:
    with store.read() as session:
        project_row, service_row = _service(session, project, service)
        rows = session.scalars(
            select(VerificationCheck)
            .where(VerificationCheck.service_id == service_row.id)
            .order_by(VerificationCheck.key)
        )
        return [map_check_row_to_view(row, project_row, service_row) for row in rows]


def get_check(store: Store, project: str, service: str, key: str) -> CheckView:
    with store.read() as session:
        project_row, service_row = _service(session, project, service)
        return map_check_row_to_view(_get(session, service_row, key), project_row, service_row)


def create_check(
    store: Store,
    actor: Actor,
    project: str,
    service: str,
    data: Mapping[str, Any],
    addresses: AddressPolicy,
) -> CheckView:
    """A new check. An HTTP check's URL may not name a link-local or metadata address (or
    host) that ``addresses`` does not allow; names that need resolving are judged when the
    check runs."""
    spec = _validate_check(data, addresses, creating=True)
    key = data["key"]
    try:
        with store.write() as session:
            project_row, service_row = _service(session, project, service)
            _validate_environment(session, project_row, data.get("environment"))
            if _find(session, service_row, key) is not None:
                raise AlreadyExistsError("check", key)
            now = utc_now()
            row = VerificationCheck(
                service_id=service_row.id,
                key=key,
                environment=data.get("environment"),
                kind=data["kind"],
                spec=spec,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            view = map_check_row_to_view(row, project_row, service_row)
            _audit(session, actor, "check.created", project, service, key, None, view)
    except IntegrityError:
        raise AlreadyExistsError("check", key) from None
    return view


def replace_check(
    store: Store,
    actor: Actor,
    project: str,
    service: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    addresses: AddressPolicy,
) -> CheckView:
    """A full replacement (omitted fields take their defaults); ``key`` may not change.
    The URL is held to ``addresses`` as in :func:`create_check`."""
    expected = require_version(expected_version, "check", key)
    body = dict(data)
    if body.get("key", key) != key:
        raise_immutable = Validator(body)
        raise_immutable.add("key", "immutable", "the key of a check cannot change")
        raise_immutable.raise_if_any()
    body["key"] = key
    spec = _validate_check(body, addresses, creating=True)
    with store.write() as session:
        project_row, service_row = _service(session, project, service)
        _validate_environment(session, project_row, body.get("environment"))
        row = _get(session, service_row, key)
        require_current_version("check", key, row.version, expected)
        before = map_check_row_to_view(row, project_row, service_row)
        row.kind = body["kind"]
        row.environment = body.get("environment")
        row.spec = spec
        row.version += 1
        row.updated_at = utc_now()
        session.flush()
        after = map_check_row_to_view(row, project_row, service_row)
        _audit(session, actor, "check.updated", project, service, key, before, after)
    return after


def delete_check(
    store: Store,
    actor: Actor,
    project: str,
    service: str,
    key: str,
    expected_version: int | None,
) -> None:
    expected = require_version(expected_version, "check", key)
    with store.write() as session:
        project_row, service_row = _service(session, project, service)
        row = _get(session, service_row, key)
        require_current_version("check", key, row.version, expected)
        before = map_check_row_to_view(row, project_row, service_row)
        session.delete(row)
        _audit(session, actor, "check.deleted", project, service, key, before, None)


def map_check_row_to_view(row: VerificationCheck, project: Project, service: Service) -> CheckView:
    spec = row.spec  # as _validate_check made it: every field of its kind
    return {
        "key": row.key,
        "project": project.key,
        "service": service.key,
        "environment": row.environment,
        "kind": row.kind,
        "timeout_seconds": spec["timeout_seconds"],
        "retries": spec["retries"],
        "interval_seconds": spec["interval_seconds"],
        "backoff": spec["backoff"],
        **_kind_fields(row.kind, spec),
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def _kind_fields(kind: str, spec: Mapping[str, Any]) -> KindFields:
    fields: KindFields = {}
    if kind == "http":
        fields["method"] = spec["method"]
        fields["expected_status"] = spec["expected_status"]
        fields["body_contains"] = spec["body_contains"]
        fields["json_field"] = spec["json_field"]
        fields["url"] = spec["url"]
    else:
        fields["argv"] = spec["argv"]
        fields["expected_exit_code"] = spec["expected_exit_code"]
    return fields


def _validate_check(
    data: Mapping[str, Any], addresses: AddressPolicy, *, creating: bool
) -> dict[str, Any]:
    """Validate a check body; return its spec (kind-specific fields, defaults filled)."""
    validator = Validator(data)
    kind = data.get("kind")
    extra = HTTP_FIELDS if kind == "http" else COMMAND_FIELDS if kind == "command" else ()
    validator.allowed((*COMMON, *extra))
    if creating:
        validator.key()
    if validator.required("kind") and kind not in ("http", "command"):
        validator.add("kind", "enum", "must be http or command")
    if data.get("environment") is not None and not is_key(data["environment"]):
        validator.add("environment", "key_pattern", "must match [A-Za-z0-9._-]{1,128}")
    for field, (low, high) in LIMITS.items():
        _number(validator, field, low, high)
    validator.integer("retries", minimum=0)
    if isinstance(data.get("retries"), int) and data["retries"] > MAX_RETRIES:
        validator.add("retries", "maximum", f"must be at most {MAX_RETRIES}")
    if kind == "http":
        _validate_http(validator, addresses)
    elif kind == "command":
        _validate_command(validator)
    validator.raise_if_any()
    spec = {field: data.get(field, default) for field, default in DEFAULTS.items()}
    if kind == "http":
        spec |= {field: data.get(field, default) for field, default in HTTP_DEFAULTS.items()}
        spec["url"] = data["url"]
    else:
        spec["argv"] = list(data["argv"])
        spec["expected_exit_code"] = data.get("expected_exit_code", 0)
    spec["timeout_seconds"] = float(spec["timeout_seconds"])
    spec["interval_seconds"] = float(spec["interval_seconds"])
    spec["backoff"] = float(spec["backoff"])
    return spec


def _validate_http(validator: Validator, addresses: AddressPolicy) -> None:
    data = validator.data
    if validator.required("url") and (
        not isinstance(data["url"], str) or not URL.match(data["url"])
    ):
        validator.add("url", "url", "must be an http(s) URL of at most 2000 characters")
    elif isinstance(data.get("url"), str):
        _validate_target(validator, data["url"], addresses)
    if data.get("method", "GET") not in ("GET", "HEAD", "POST"):
        validator.add("method", "enum", "must be GET, HEAD or POST")
    validator.integer("expected_status", minimum=100)
    status = data.get("expected_status")
    if isinstance(status, int) and status > 599:
        validator.add("expected_status", "maximum", "must be at most 599")
    validator.text("body_contains", max_length=10_000, null=True)
    field = data.get("json_field")
    if field is not None:
        if not isinstance(field, Mapping) or set(field) != {"path", "equals"}:
            validator.add(
                "json_field", "type", 'must be {"path": "a.b.0.c", "equals": <JSON value>}'
            )
        elif not isinstance(field["path"], str) or not field["path"]:
            validator.add("json_field.path", "type", "must be a dotted path such as status.db")


def _validate_target(validator: Validator, url: str, addresses: AddressPolicy) -> None:
    try:
        host = urlsplit(url).hostname
    except ValueError:  # an IPv6 literal that does not parse
        validator.add("url", "url", "must be an http(s) URL with a valid host")
        return
    refusal = addresses.literal_refusal(host) if host else None
    if refusal is not None:
        validator.add(
            "url",
            "address_refused",
            f"{refusal}, which checks may not reach; PREMIERE_CHECK_ALLOWED_ADDRESSES may allow it",
        )


def _validate_command(validator: Validator) -> None:
    argv = validator.data.get("argv")
    if not validator.required("argv"):
        return
    if not isinstance(argv, list) or not argv or len(argv) > 100:
        validator.add("argv", "type", "must be a list of 1 to 100 strings (no shell)")
        return
    for index, item in enumerate(argv):
        if not isinstance(item, str) or len(item) > 10_000 or (index == 0 and not item):
            validator.add(f"argv[{index}]", "type", "must be a string")
    validator.integer("expected_exit_code")


def _number(validator: Validator, field: str, low: float, high: float) -> None:
    value = validator.data.get(field)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        validator.add(field, "type", "must be a number")
    elif not low <= value <= high:
        validator.add(field, "range", f"must be between {low} and {high}")


def _service(session: Session, project: str, service: str) -> tuple[Project, Service]:
    project_row = get_project_row(session, project)
    return project_row, get_service_row(session, project_row, service)


def _validate_environment(session: Session, project: Project, environment: Any) -> None:
    if environment is not None:
        get_environment_row(session, project, environment)


def _find(session: Session, service: Service, key: str) -> VerificationCheck | None:
    if not is_key(key):
        return None
    return session.scalar(
        select(VerificationCheck).where(
            VerificationCheck.service_id == service.id, VerificationCheck.key == key
        )
    )


def _get(session: Session, service: Service, key: str) -> VerificationCheck:
    row = _find(session, service, key)
    if row is None:
        raise NotFoundError(
            "check", key, f"check {key!r} does not exist for service {service.key!r}"
        )
    return row


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    project: str,
    service: str,
    key: str,
    before: Any,
    after: Any,
) -> None:
    record_audit_event(
        session,
        actor,
        action,
        project=project,
        resource_type="check",
        resource_key=f"{service}/{key}",
        before=before,
        after=after,
    )
