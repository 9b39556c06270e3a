"""The deployment ledger's rules: what a deployment may hold and how its status moves.

Pure functions over plain data (no store), shared by recording, transitions,
promotion, rollback and the GitHub mapping.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from premiere.errors import InvalidStateError
from premiere.services.deployments.views import CommitView
from premiere.services.validation import KEY_PATTERN, Validator

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
SHA_PATTERN = re.compile(r"^(?:[0-9a-fA-F]{7,40}|[0-9a-fA-F]{64})$")
URL_PATTERN = re.compile(r"^https?://[^\s]+$")
IDEMPOTENCY_KEY_MAX = 200
LOG_EXCERPT_MAX = 65_536
MAX_FEATURES = 1_000
MAX_COMMITS = 1_000
REASON_MAX = 10_000

STATUSES = ("pending", "in_progress", "verifying", "succeeded", "failed", "rolled_back")
FINAL = frozenset({"succeeded", "failed", "rolled_back"})
# Where a status may go when a pipeline (or a person) reports it. ``rolled_back`` is
# never reported: a rollback deployment's success sets it.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "pending": frozenset({"in_progress", "verifying", "succeeded", "failed"}),
    "in_progress": frozenset({"verifying", "succeeded", "failed"}),
    "verifying": frozenset({"succeeded", "failed"}),
    "succeeded": frozenset(),
    "failed": frozenset(),
    "rolled_back": frozenset(),
}
REPORTABLE = ("in_progress", "verifying", "succeeded", "failed")
RECORD_FIELDS = (
    "service",
    "environment",
    "version",
    "commit_sha",
    "commit_time",
    "commits",
    "artifact",
    "pipeline_url",
    "features",
    "status",
    "log_excerpt",
    "idempotency_key",
    "fix",
)


def validate_transition(deployment_id: int, current: str, new: str) -> None:
    """Refuse a move the status machine does not have (``succeeded -> in_progress``)."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidStateError(
            f"deployment {deployment_id} is {current}; it cannot become {new}",
            {
                "resource": "deployment",
                "key": str(deployment_id),
                "status": current,
                "requested": new,
            },
        )


def validate_record(data: Mapping[str, Any]) -> None:
    """The fields of a new deployment, each validated; all problems at once."""
    validator = Validator(data)
    validator.allowed(RECORD_FIELDS)
    for field in ("service", "environment"):
        validator.key(field)
    validate_version(validator, "version", required=True)
    validate_sha(validator, "commit_sha", required=True)
    validate_time(validator, "commit_time")
    validate_commits(validator)
    validator.text("artifact", max_length=500, null=True)
    validate_url(validator, "pipeline_url")
    validate_features(validator)
    if "status" in data and data["status"] not in ("pending", "in_progress"):
        validator.add("status", "enum", "a new deployment is pending or in_progress")
    validate_log(validator)
    validate_idempotency_key(validator, data.get("idempotency_key"))
    if data.get("fix") is not None:
        validator.boolean("fix")
    validator.raise_if_any()


def validate_version(validator: Validator, field: str, *, required: bool) -> None:
    if field not in validator.data:
        if required:
            validator.required(field)
        return
    value = validator.data[field]
    if not isinstance(value, str) or not VERSION_PATTERN.fullmatch(value):
        validator.add(field, "version_pattern", "must match [A-Za-z0-9][A-Za-z0-9._+-]{0,127}")


def validate_sha(validator: Validator, field: str, *, required: bool, value: Any = None) -> None:
    if value is None:
        if field not in validator.data:
            if required:
                validator.required(field)
            return
        value = validator.data[field]
    if not isinstance(value, str) or not SHA_PATTERN.fullmatch(value):
        validator.add(field, "sha_pattern", "must be 7 to 40 hexadecimal digits, or 64 (SHA-256)")


def validate_time(validator: Validator, field: str) -> None:
    value = validator.data.get(field)
    if value is not None and parse_time(value) is None:
        validator.add(field, "datetime", "must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z")


def validate_url(validator: Validator, field: str) -> None:
    value = validator.data.get(field)
    if value is None:
        return
    if not isinstance(value, str) or len(value) > 2000 or not URL_PATTERN.fullmatch(value):
        validator.add(field, "url", "must be an http(s) URL of at most 2000 characters")


def validate_features(validator: Validator) -> None:
    value = validator.data.get("features")
    if value is None:
        return
    validator.string_list("features", pattern=KEY_PATTERN)
    if isinstance(value, list) and len(value) > MAX_FEATURES:
        validator.add("features", "max_items", f"must hold at most {MAX_FEATURES} flag keys")


def validate_commits(validator: Validator) -> None:
    value = validator.data.get("commits")
    if value is None:
        return
    if not isinstance(value, list):
        validator.add("commits", "type", "must be a list of {sha, message?, author?}")
        return
    if len(value) > MAX_COMMITS:
        validator.add("commits", "max_items", f"must hold at most {MAX_COMMITS} commits")
        return
    for index, item in enumerate(value):
        field = f"commits[{index}]"
        if not isinstance(item, Mapping):
            validator.add(field, "type", "must be an object {sha, message?, author?}")
            continue
        for name in item:
            if name not in ("sha", "message", "author"):
                validator.add(f"{field}.{name}", "unknown_field", f"unknown field {name!r}")
        validate_sha(validator, f"{field}.sha", required=True, value=item.get("sha", 0))
        for name, limit in (("message", 2000), ("author", 200)):
            text = item.get(name)
            if text is not None and (not isinstance(text, str) or len(text) > limit):
                validator.add(f"{field}.{name}", "max_length", f"must be text of at most {limit}")


def validate_log(validator: Validator, field: str = "log_excerpt") -> None:
    value = validator.data.get(field)
    if value is not None and not isinstance(value, str):
        validator.add(field, "type", "must be a string")


def validate_reason(validator: Validator) -> None:
    validator.text("reason", max_length=REASON_MAX, null=True)


def validate_idempotency_key(
    validator: Validator, value: Any, field: str = "idempotency_key"
) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > IDEMPOTENCY_KEY_MAX:
        validator.add(field, "max_length", f"must be 1 to {IDEMPOTENCY_KEY_MAX} characters")


def truncate_log(text: str | None) -> tuple[str, bool]:
    """Long logs keep their tail (where failures show), marked as cut."""
    if not text:
        return "", False
    if len(text) <= LOG_EXCERPT_MAX:
        return text, False
    cut = len(text) - LOG_EXCERPT_MAX
    marker = f"[... {cut} earlier characters truncated ...]\n"
    return marker + text[len(text) - LOG_EXCERPT_MAX + len(marker) :], True


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def request_hash(data: Mapping[str, Any]) -> str:
    """A fingerprint of what was asked for, to tell a retry from a different request."""
    content = {k: v for k, v in data.items() if k != "idempotency_key" and v is not None}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def normalize_commits(value: Any) -> list[CommitView]:
    if not isinstance(value, list):
        return []
    return [
        {
            "sha": str(item["sha"]).lower(),
            "message": item.get("message"),
            "author": item.get("author"),
        }
        for item in value
    ]


def unique_keys(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(str(item) for item in value))
