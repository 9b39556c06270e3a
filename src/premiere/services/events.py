"""SDK events: evaluation and custom event counts, stored per environment and minute.

SDKs send batches (docs/sdk.md, "Events"); :func:`record_sdk_events` validates one and
adds its counts to the minute in which the batch's period started. Release guards and
insights read them back with :func:`list_flag_evaluations` and
:func:`list_custom_events`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.errors import MalformedRequestError, PermissionDeniedError, ValidationError
from premiere.errors import Violation as V
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import format_time
from premiere.services.tokens import TokenInfo
from premiere.services.validation import KEY_PATTERN
from premiere.store import Store
from premiere.store import events as event_store

MAX_ENTRIES = 10_000
"""Entries per list (``flags``, ``custom``) in one batch."""
MAX_COUNT = 10**12
MAX_VARIATION = 10_000
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_RANGE = timedelta(days=31)
DEFAULT_RANGE = timedelta(hours=24)
REASON_LENGTH = 32
SDK_SCOPES = ("sdk-server", "sdk-client")


def record_sdk_events(
    store: Store, token: TokenInfo, payload: Any, *, now: datetime | None = None
) -> dict[str, Any]:
    """Add one batch's counts to its environment; returns what was counted.

    The environment is the token's (an ``sdk-server`` or ``sdk-client`` token). Unknown
    fields are ignored, so that newer SDKs can send more. A batch sent twice is counted
    twice: SDKs resend only batches that were not acknowledged.
    """
    if token.scope not in SDK_SCOPES or token.project is None or token.environment is None:
        raise PermissionDeniedError("events are sent with an sdk token", {"scope": token.scope})
    if not isinstance(payload, Mapping):
        raise MalformedRequestError("the request body must be a JSON object")
    now = now or datetime.now(UTC)
    problems: list[V] = []
    bucket = _bucket(payload, now, problems)
    flags = _flag_counts(payload.get("flags", []), problems)
    custom = _custom_counts(payload.get("custom", []), problems)
    dropped = _integer(payload, "dropped", problems, default=0)
    if problems:
        raise ValidationError(problems)
    assert bucket is not None
    place = {"project": token.project, "environment": token.environment, "bucket": bucket}
    flag_rows = [
        {**place, "flag": f, "variation": v, "reason": r, "count": n}
        for (f, v, r), n in sorted(flags.items())
    ]
    custom_rows = [
        {
            **place,
            "key": k,
            "flag": f,
            "variation": v,
            "count": c,
            "value_count": vc,
            "value_sum": vs,
            "value_sum_squares": vss,
        }
        for (k, f, v), (c, vc, vs, vss) in sorted(custom.items())
    ]
    with store.write() as session:
        get_environment_row(session, get_project_row(session, token.project), token.environment)
        event_store.add_flag_evaluation_counts(session, flag_rows)
        event_store.add_custom_event_counts(session, custom_rows)
    return {
        "bucket": format_time(bucket),
        "flag_evaluations": sum(flags.values()),
        "custom_events": sum(entry[0] for entry in custom.values()),
        "dropped": dropped,
    }


def list_flag_evaluations(
    store: Store,
    project: str,
    environment: str,
    *,
    flag: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """``[{"flag","variation","reason","bucket","count"}]``, oldest minute first;
    ``variation`` is null where the caller's default was served. ``since`` inclusive,
    ``until`` exclusive; by default the last 24 hours."""
    start, end = _range(since, until, now)
    with store.read() as session:
        get_environment_row(session, get_project_row(session, project), environment)
        rows = event_store.flag_evaluation_counts(
            session, project, environment, since=start, until=end, flag=flag
        )
        return [
            {
                "flag": row.flag,
                "variation": None if row.variation == event_store.NO_VARIATION else row.variation,
                "reason": row.reason,
                "bucket": format_time(row.bucket),
                "count": row.count,
            }
            for row in rows
        ]


def list_custom_events(
    store: Store,
    project: str,
    environment: str,
    *,
    key: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """``[{"key","flag","variation","bucket","count","value_count","value_sum",
    "value_sum_squares"}]``, oldest minute first; ``flag`` and ``variation`` are null
    for events attributed to no flag variation."""
    start, end = _range(since, until, now)
    with store.read() as session:
        get_environment_row(session, get_project_row(session, project), environment)
        rows = event_store.custom_event_counts(
            session, project, environment, since=start, until=end, key=key
        )
        return [
            {
                "key": row.key,
                "flag": row.flag or None,
                "variation": None if row.variation == event_store.NO_VARIATION else row.variation,
                "bucket": format_time(row.bucket),
                "count": row.count,
                "value_count": row.value_count,
                "value_sum": row.value_sum,
                "value_sum_squares": row.value_sum_squares,
            }
            for row in rows
        ]


# validation ------------------------------------------------------------------------


def _bucket(payload: Mapping[str, Any], now: datetime, problems: list[V]) -> datetime | None:
    start = _time(payload.get("period_start"), "period_start", problems, required=True)
    end = _time(payload.get("period_end"), "period_end", problems, required=False)
    if start is None:
        return None
    if start > now + MAX_CLOCK_SKEW:
        problems.append(V("period_start", "range", "period_start is in the future"))
    if end is not None and end < start:
        problems.append(V("period_end", "range", "period_end is before period_start"))
    return start.replace(second=0, microsecond=0)


def _time(value: Any, field: str, problems: list[V], *, required: bool) -> datetime | None:
    if value is None:
        if required:
            problems.append(V(field, "required", f"{field} is required"))
        return None
    parsed = parse_time(value)
    if parsed is None:
        problems.append(V(field, "datetime", f"{field} must be an RFC 3339 time with an offset"))
    return parsed


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an RFC 3339 string (or a datetime), else None."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and 0 < len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def _flag_counts(entries: Any, problems: list[V]) -> dict[tuple[str, int, str], int]:
    counts: dict[tuple[str, int, str], int] = {}
    for path, entry in _entries(entries, "flags", problems):
        key = _key(entry, path, "key", problems)
        variation = entry.get("variation")
        if variation is not None and not _is_int(variation, 0, MAX_VARIATION):
            problems.append(
                V(f"{path}.variation", "type", "variation must be an index (0..10000) or null")
            )
        reason = entry.get("reason")
        if not (isinstance(reason, str) and 0 < len(reason) <= REASON_LENGTH):
            problems.append(V(f"{path}.reason", "type", "reason must be a reason kind"))
        count = _integer(entry, "count", problems, path=path, default=None)
        if key and isinstance(reason, str) and count is not None and not problems:
            slot = (key, event_store.NO_VARIATION if variation is None else variation, reason)
            counts[slot] = counts.get(slot, 0) + count
    return counts


CustomKey = tuple[str, str, int]  # (event key, flag or "", variation or -1)
CustomSums = tuple[int, int, float, float]  # count, value_count, value_sum, value_sum_squares


def _custom_counts(entries: Any, problems: list[V]) -> dict[CustomKey, CustomSums]:
    counts: dict[CustomKey, CustomSums] = {}
    for path, entry in _entries(entries, "custom", problems):
        key = _key(entry, path, "key", problems)
        count = _integer(entry, "count", problems, path=path, default=None)
        value_count = _integer(entry, "value_count", problems, path=path, default=0)
        value_sum = _number(entry, "value_sum", path, problems)
        squares = _number(entry, "value_sum_squares", path, problems)
        if squares is not None and squares < 0:
            problems.append(V(f"{path}.value_sum_squares", "range", "must not be negative"))
        if count is not None and value_count is not None and value_count > count:
            problems.append(V(f"{path}.value_count", "range", "value_count exceeds count"))
        flag, variation = _attribution(entry, path, problems)
        if key and count is not None and value_count is not None and not problems:
            assert value_sum is not None and squares is not None
            slot = (key, flag, variation)
            old = counts.get(slot, (0, 0, 0.0, 0.0))
            counts[slot] = (
                old[0] + count,
                old[1] + value_count,
                old[2] + value_sum,
                old[3] + squares,
            )
    return counts


def _number(entry: Mapping[str, Any], field: str, path: str, problems: list[V]) -> float | None:
    value = entry.get(field, 0)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    problems.append(V(f"{path}.{field}", "type", f"{field} must be a finite number"))
    return None


def _attribution(entry: Mapping[str, Any], path: str, problems: list[V]) -> tuple[str, int]:
    """``(flag, variation)`` of an entry, ``("", -1)`` when it names neither."""
    flag, variation = entry.get("flag"), entry.get("variation")
    if flag is None and variation is None:
        return event_store.NO_FLAG, event_store.NO_VARIATION
    if flag is None:
        problems.append(V(f"{path}.flag", "required", "flag is required with a variation"))
    elif not (isinstance(flag, str) and KEY_PATTERN.fullmatch(flag)):
        problems.append(V(f"{path}.flag", "key_pattern", "must match [A-Za-z0-9._-]{1,128}"))
    if variation is None:
        problems.append(V(f"{path}.variation", "required", "variation is required with a flag"))
    elif not _is_int(variation, 0, MAX_VARIATION):
        problems.append(V(f"{path}.variation", "type", "variation must be an index (0..10000)"))
    if isinstance(flag, str) and isinstance(variation, int) and not problems:
        return flag, variation
    return event_store.NO_FLAG, event_store.NO_VARIATION


def _entries(entries: Any, field: str, problems: list[V]) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(entries, list):
        problems.append(V(field, "type", f"{field} must be a list"))
        return []
    if len(entries) > MAX_ENTRIES:
        problems.append(V(field, "max_length", f"at most {MAX_ENTRIES} entries per batch"))
        return []
    out = []
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping):
            out.append((f"{field}[{index}]", entry))
        else:
            problems.append(V(f"{field}[{index}]", "type", "each entry must be an object"))
    return out


def _key(entry: Mapping[str, Any], path: str, field: str, problems: list[V]) -> str | None:
    value = entry.get(field)
    if isinstance(value, str) and KEY_PATTERN.fullmatch(value):
        return value
    problems.append(V(f"{path}.{field}", "key_pattern", "must match [A-Za-z0-9._-]{1,128}"))
    return None


def _integer(
    entry: Mapping[str, Any],
    field: str,
    problems: list[V],
    *,
    path: str = "",
    default: int | None,
) -> int | None:
    name = f"{path}.{field}" if path else field
    value = entry.get(field, default)
    if value is None:
        problems.append(V(name, "required", f"{field} is required"))
        return None
    if not _is_int(value, 0, MAX_COUNT):
        problems.append(V(name, "range", f"{field} must be an integer from 0 to {MAX_COUNT}"))
        return None
    return int(value)


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _range(
    since: datetime | str | None, until: datetime | str | None, now: datetime | None
) -> tuple[datetime, datetime]:
    problems: list[V] = []
    end = _time(until, "until", problems, required=False) or (now or datetime.now(UTC))
    start = _time(since, "since", problems, required=False) or end - DEFAULT_RANGE
    if not problems and (end < start or end - start > MAX_RANGE):
        problems.append(V("since", "range", "since must be before until, at most 31 days apart"))
    if problems:
        raise ValidationError(problems)
    return start, end
