"""A release's definition, checked and normalised: features, audience, schedule,
rollout plan, guards, required approvals, announcement point; and the digest
approvals are bound to. ``notes`` is checked here too, but not kept in the spec: it is
the shorthand for the release's first note entry (``services/communication``).

Only the shape is checked here (no database): which flags, segments, services and
trains exist is checked by ``releases`` against the project.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from premiere.services.deployments.matrix import semver_key
from premiere.services.validation import KEY_PATTERN, Validator

SPEC_FIELDS = (
    "features",
    "audience",
    "notes",
    "schedule",
    "plan",
    "guards",
    "required_approvals",
    "announce",
)
NOTE_CATEGORIES = ("new", "improved", "fixed", "deprecated", "security")
ANNOUNCE_POINTS = ("first_public", "percent", "released")
ADVANCE_MODES = ("auto", "manual")
GUARD_METRICS = ("errors", "event")
GUARD_AGGREGATES = ("rate", "mean")
GUARD_ACTIONS = ("pause", "rollback")
GUARD_CHOICES = {
    "metric": GUARD_METRICS,
    "aggregate": GUARD_AGGREGATES,
    "action": GUARD_ACTIONS,
    "tolerance": ("relative", "absolute"),
    "worse": ("higher", "lower"),
}
NOTES_BODY_MAX = 100_000
MAX_STAGES = 50
DEFAULT_PLAN: dict[str, Any] = {
    "stages": [{"segment": None, "percent": 100, "hold_seconds": 0, "advance": "auto"}]
}
DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def default_spec() -> dict[str, Any]:
    return {
        "features": [],
        "audience": {"segment": None},
        "schedule": {"start_at": None, "timezone": "UTC", "train": None},
        "plan": DEFAULT_PLAN,
        "guards": [],
        "required_approvals": 0,
        "announce": {"at": "first_public", "percent": None},
    }


def normalize_spec(
    validator: Validator, base: Mapping[str, Any], data: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """``base`` with the spec fields given in ``data``, each checked and normalised."""
    spec = dict(base)
    if "features" in data:
        spec["features"] = _features(validator, data["features"])
    if "audience" in data:
        spec["audience"] = _audience(validator, data["audience"])
    if "notes" in data:
        spec["notes"] = _notes(validator, data["notes"])
    if "schedule" in data:
        spec["schedule"] = _schedule(validator, data["schedule"], now)
    if "plan" in data:
        spec["plan"] = _plan(validator, data["plan"])
    if "guards" in data:
        spec["guards"] = _guards(validator, data["guards"])
    if "required_approvals" in data:
        validator.integer("required_approvals", minimum=0)
        spec["required_approvals"] = data["required_approvals"]
    if "announce" in data:
        spec["announce"] = _announce(validator, data["announce"])
    return spec


def digest_of(environment: str, spec: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of what approvers approve: target environment,
    features and their variations, audience and plan."""
    content = {
        "environment": environment,
        "features": spec["features"],
        "audience": spec["audience"],
        "plan": spec["plan"],
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def parse_duration(value: Any) -> int | None:
    """Seconds from an integer or an ISO 8601 duration (``PT1H30M``, ``P1D``, ``P2W``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    match = DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        return None
    parts = {name: float(part) if part else 0.0 for name, part in match.groupdict().items()}
    delta = timedelta(**parts)
    return int(delta.total_seconds())


def parse_instant(value: Any, timezone: str) -> datetime | None:
    """An aware datetime from RFC 3339; a time without offset is read in ``timezone``."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        zone = zone_of(timezone)
        if zone is None:
            return None
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def zone_of(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _object(validator: Validator, field: str, value: Any, allowed: tuple[str, ...]) -> bool:
    if not isinstance(value, Mapping):
        validator.add(field, "type", "must be an object")
        return False
    for name in value:
        if name not in allowed:
            validator.add(f"{field}.{name}", "unknown_field", f"unknown field {name!r}")
    return True


def _features(validator: Validator, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        validator.add("features", "non_empty", "must be a non-empty list of features")
        return []
    features: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        field = f"features[{index}]"
        if not _object(validator, field, item, ("flag", "variation", "min_versions")):
            continue
        flag = item.get("flag")
        if not isinstance(flag, str) or not KEY_PATTERN.fullmatch(flag):
            validator.add(f"{field}.flag", "key_pattern", "must be a flag key")
        elif flag in seen:
            validator.add(f"{field}.flag", "duplicate", f"flag {flag!r} is listed twice")
        else:
            seen.add(flag)
        variation = item.get("variation")
        if not isinstance(variation, int) or isinstance(variation, bool) or variation < 0:
            validator.add(f"{field}.variation", "index_range", "must be a variation index")
        min_versions = _min_versions(validator, field, item.get("min_versions") or {})
        features.append({"flag": flag, "variation": variation, "min_versions": min_versions})
    return features


def _min_versions(validator: Validator, field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        validator.add(f"{field}.min_versions", "type", "must map service keys to versions")
        return {}
    for service, version in value.items():
        if not KEY_PATTERN.fullmatch(str(service)):
            validator.add(f"{field}.min_versions", "key_pattern", "keys must be service keys")
        if not isinstance(version, str) or semver_key(version) is None:
            validator.add(f"{field}.min_versions.{service}", "version_pattern", "must be semver")
    return dict(value)


def _audience(validator: Validator, value: Any) -> dict[str, Any]:
    if value is None or value == "everyone":
        return {"segment": None}
    if not _object(validator, "audience", value, ("segment",)):
        return {"segment": None}
    segment = value.get("segment")
    if segment is not None and (not isinstance(segment, str) or not KEY_PATTERN.fullmatch(segment)):
        validator.add("audience.segment", "key_pattern", "must be a segment key or null")
    return {"segment": segment}


def _notes(validator: Validator, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not _object(validator, "notes", value, ("title", "body", "category")):
        return None
    title, body = value.get("title"), value.get("body", "")
    category = value.get("category", "new")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        validator.add("notes.title", "non_empty", "must be a title of 1..200 characters")
    if not isinstance(body, str) or len(body) > NOTES_BODY_MAX:
        validator.add("notes.body", "max_length", f"must be Markdown of at most {NOTES_BODY_MAX}")
    if category not in NOTE_CATEGORIES:
        validator.add("notes.category", "enum", "must be one of " + ", ".join(NOTE_CATEGORIES))
    return {"title": title, "body": body, "category": category}


def _announce(validator: Validator, value: Any) -> dict[str, Any]:
    """When the release's notes are published: ``first_public`` (the first percentage
    stage), ``percent`` (the first stage at or above ``percent``) or ``released``."""
    announce: dict[str, Any] = {"at": "first_public", "percent": None}
    if value is None or not _object(validator, "announce", value, ("at", "percent")):
        return announce
    at, percent = value.get("at", "first_public"), value.get("percent")
    if at not in ANNOUNCE_POINTS:
        validator.add("announce.at", "enum", "must be one of " + ", ".join(ANNOUNCE_POINTS))
        return announce
    if at == "percent":
        if (
            not isinstance(percent, int | float)
            or isinstance(percent, bool)
            or not 0 < percent <= 100
        ):
            validator.add("announce.percent", "range", "must be above 0 and at most 100")
            return announce
        return {"at": at, "percent": percent}
    if percent is not None:
        validator.add("announce.percent", "not_allowed", "only with at: percent")
    return {"at": at, "percent": None}


def _schedule(validator: Validator, value: Any, now: datetime) -> dict[str, Any]:
    schedule: dict[str, Any] = {"start_at": None, "timezone": "UTC", "train": None}
    if value is None:
        return schedule
    if not _object(validator, "schedule", value, ("start_at", "timezone", "train")):
        return schedule
    timezone = value.get("timezone", "UTC")
    if zone_of(timezone) is None:
        validator.add("schedule.timezone", "timezone", "must be an IANA time zone name")
        return schedule
    schedule["timezone"] = timezone
    train = value.get("train")
    if train is not None and (not isinstance(train, str) or not KEY_PATTERN.fullmatch(train)):
        validator.add("schedule.train", "key_pattern", "must be a release train key")
    schedule["train"] = train
    if value.get("start_at") is not None:
        start = parse_instant(value["start_at"], timezone)
        if start is None:
            validator.add("schedule.start_at", "datetime", "must be an RFC 3339 date and time")
        elif start <= now:
            validator.add("schedule.start_at", "in_past", "must be in the future")
        else:
            schedule["start_at"] = start.isoformat().replace("+00:00", "Z")
    if train is not None and schedule["start_at"] is not None:
        validator.add("schedule", "exclusive", "give start_at or train, not both")
    return schedule


def _plan(validator: Validator, value: Any) -> dict[str, Any]:
    if value is None:
        return DEFAULT_PLAN
    if not _object(validator, "plan", value, ("stages",)):
        return DEFAULT_PLAN
    raw = value.get("stages")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_STAGES:
        validator.add("plan.stages", "non_empty", f"must list 1..{MAX_STAGES} stages")
        return DEFAULT_PLAN
    stages = [_stage(validator, f"plan.stages[{i}]", item) for i, item in enumerate(raw)]
    last = 0.0
    for index, stage in enumerate(stages):
        percent = stage.get("percent")
        if isinstance(percent, int | float) and not isinstance(percent, bool):
            if percent <= last:
                validator.add(
                    f"plan.stages[{index}].percent", "increasing", "percentages must increase"
                )
            last = max(last, float(percent))
    return {"stages": stages}


def _stage(validator: Validator, field: str, item: Any) -> dict[str, Any]:
    allowed = ("segment", "percent", "hold", "hold_seconds", "advance")
    stage: dict[str, Any] = {"segment": None, "percent": None, "hold_seconds": 0, "advance": "auto"}
    if not _object(validator, field, item, allowed):
        return stage
    segment, percent = item.get("segment"), item.get("percent")
    if (segment is None) == (percent is None):
        validator.add(field, "exclusive", "give exactly one of segment and percent")
    if segment is not None and (not isinstance(segment, str) or not KEY_PATTERN.fullmatch(segment)):
        validator.add(f"{field}.segment", "key_pattern", "must be a segment key")
    if percent is not None and (
        not isinstance(percent, int | float)
        or isinstance(percent, bool)
        or not 0 < percent <= 100
        or round(percent * 1000) != percent * 1000
    ):
        validator.add(f"{field}.percent", "range", "must be above 0 and at most 100 (0.001 steps)")
    hold = item.get("hold_seconds", item.get("hold", 0))
    seconds = parse_duration(hold)
    if seconds is None:
        name = "hold_seconds" if "hold_seconds" in item else "hold"
        validator.add(f"{field}.{name}", "duration", "must be seconds >= 0 or an ISO 8601 duration")
    advance = item.get("advance", "auto")
    if advance not in ADVANCE_MODES:
        validator.add(f"{field}.advance", "enum", "must be auto or manual")
    return {
        "segment": segment,
        "percent": percent,
        "hold_seconds": seconds or 0,
        "advance": advance,
    }


def _guards(validator: Validator, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        validator.add("guards", "type", "must be a list")
        return []
    return [_guard(validator, f"guards[{i}]", item) for i, item in enumerate(value)]


def _guard(validator: Validator, field: str, item: Any) -> dict[str, Any]:
    allowed = (
        "metric",
        "event",
        "aggregate",
        "max_regression",
        "alpha",
        "min_sample",
        "action",
        "tolerance",
        "worse",
        "client_events",
    )
    if not _object(validator, field, item, allowed):
        return {}
    guard = {
        "metric": item.get("metric", "errors"),
        "event": item.get("event"),
        "aggregate": item.get("aggregate", "rate"),
        "max_regression": item.get("max_regression"),
        "alpha": item.get("alpha", 0.05),
        "min_sample": item.get("min_sample", 100),
        "action": item.get("action", "pause"),
        "tolerance": item.get("tolerance", "relative"),
        "worse": item.get("worse", "higher"),
        "client_events": item.get("client_events", False),
    }
    for name, choices in GUARD_CHOICES.items():
        if guard[name] not in choices:
            validator.add(f"{field}.{name}", "enum", f"must be {' or '.join(choices)}")
    if guard["metric"] == "event" and not (
        isinstance(guard["event"], str) and KEY_PATTERN.fullmatch(guard["event"])
    ):
        validator.add(f"{field}.event", "required", "an event metric needs the custom event key")
    regression = guard["max_regression"]
    if not isinstance(regression, int | float) or isinstance(regression, bool) or regression < 0:
        validator.add(f"{field}.max_regression", "minimum", "must be a number >= 0")
    alpha = guard["alpha"]
    if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0 < alpha < 1:
        validator.add(f"{field}.alpha", "range", "must be between 0 and 1")
    sample = guard["min_sample"]
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 1:
        validator.add(f"{field}.min_sample", "minimum", "must be an integer >= 1")
    if not isinstance(guard["client_events"], bool):
        validator.add(f"{field}.client_events", "type", "must be true or false")
    return guard
