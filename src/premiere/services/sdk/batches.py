"""One batch of SDK events, validated: what an SDK may claim, and what it may not.

SDK keys are not secrets: an ``sdk-client`` key ships in every browser and mobile app.
So a batch is taken as a claim to be checked, never as fact:

- its ``period_start`` must be recent (:attr:`EventPolicy.max_age`, default an hour)
  and not in the future (beyond a few minutes of clock skew);
- every count is an integer up to ``MAX_COUNT``, every value sum finite and bounded,
  and the sums must agree with each other (``value_count <= count``; no values, no
  sums; ``value_sum**2 <= value_count * value_sum_squares``);
- the batch's total (evaluations plus custom events) must be what one key's SDK could
  plausibly have counted: at most :attr:`EventPolicy.client_max_count` for an
  ``sdk-client`` key (one device), :attr:`EventPolicy.server_max_count` for an
  ``sdk-server`` key (one application process);
- a served variation must be one the key could have served (:func:`validate_served`):
  an index within the flag's variations, and for an ``sdk-client`` key a flag that
  client SDKs receive at all.

:func:`parse_batch` and :func:`validate_served` raise ``ValidationError`` naming each
field and rule broken.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.errors import MalformedRequestError, ValidationError
from premiere.errors import Violation as V
from premiere.services.validation import KEY_PATTERN
from premiere.settings import MAX_COUNT, Settings
from premiere.store import events as event_store

MAX_ENTRIES = 10_000
"""Entries per list (``flags``, ``custom``) in one batch."""
MAX_VALUE_SUM = 1e18
"""The largest magnitude of one entry's ``value_sum``."""
MAX_VALUE_SUM_SQUARES = 1e36
MAX_VARIATION = 10_000
MAX_CLOCK_SKEW = timedelta(minutes=5)
REASON_LENGTH = 32
SDK_CLIENT = "sdk-client"
SDK_SERVER = "sdk-server"


@dataclass(frozen=True)
class EventPolicy:
    """What the server accepts from SDKs (settings ``PREMIERE_EVENTS_*``)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> EventPolicy:
        return cls(
            max_age=timedelta(seconds=settings.events_max_age_seconds),
            client_max_count=settings.events_client_max_count,
            server_max_count=settings.events_server_max_count,
        )

    max_age: timedelta = timedelta(hours=1)
    """The oldest ``period_start`` accepted, before now."""
    client_max_count: int = 10_000
    """The largest total of counts in one batch sent with an ``sdk-client`` key."""
    server_max_count: int = 1_000_000_000
    """The largest total of counts in one batch sent with an ``sdk-server`` key."""

    def max_count(self, scope: str) -> int:
        return self.client_max_count if scope == SDK_CLIENT else self.server_max_count


FlagKey = tuple[str, int, str]  # (flag, variation or -1, reason)
CustomKey = tuple[str, str, int]  # (event key, flag or "", variation or -1)
CustomSums = tuple[int, int, float, float]  # count, value_count, value_sum, value_sum_squares


@dataclass(frozen=True)
class Batch:
    bucket: datetime
    flags: dict[FlagKey, int]
    custom: dict[CustomKey, CustomSums]
    dropped: int

    @property
    def flag_evaluations(self) -> int:
        return sum(self.flags.values())

    @property
    def custom_events(self) -> int:
        return sum(entry[0] for entry in self.custom.values())


def parse_batch(payload: Any, scope: str, policy: EventPolicy, now: datetime) -> Batch:
    """The batch in ``payload``, validated; ``ValidationError`` listing what is wrong."""
    if not isinstance(payload, Mapping):
        raise MalformedRequestError("the request body must be a JSON object")
    problems: list[V] = []
    bucket = _bucket(payload, now, policy.max_age, problems)
    flags = _flag_counts(payload.get("flags", []), problems)
    custom = _custom_counts(payload.get("custom", []), problems)
    dropped = _integer(payload, "dropped", problems, default=0)
    if problems:
        raise ValidationError(problems)
    assert bucket is not None and dropped is not None
    batch = Batch(bucket, flags, custom, dropped)
    limit = policy.max_count(scope)
    if batch.flag_evaluations + batch.custom_events > limit:
        raise ValidationError.single(
            "flags",
            "max_total",
            f"a batch sent with an {scope} key counts at most {limit} evaluations and "
            "custom events together",
        )
    return batch


@dataclass(frozen=True)
class ServableFlag:
    """What an SDK key can know of a flag: how many variations, and whether client SDKs
    receive it."""

    variations: int
    client_visible: bool


def validate_served(batch: Batch, scope: str, flags: Mapping[str, ServableFlag]) -> None:
    """``ValidationError`` for served variations the key could not have served: an
    index past the flag's variations (rule ``index_range``), or, with an ``sdk-client``
    key, a flag that client SDKs do not receive or that does not exist (rule
    ``client_visible``). Evaluations that served the caller's default (no variation)
    are always plausible: any SDK may ask for a flag it does not know."""
    served = [("flags", f, v) for f, v, _ in batch.flags if v >= 0]
    served += [("custom", f, v) for _, f, v in batch.custom if f]
    problems: list[V] = []
    for field, key, variation in sorted(set(served)):
        flag = flags.get(key)
        if scope == SDK_CLIENT and (flag is None or not flag.client_visible):
            problems.append(V(field, "client_visible", f"client SDKs do not receive flag {key!r}"))
        elif flag is not None and variation >= flag.variations:
            problems.append(V(field, "index_range", f"flag {key!r} has no variation {variation}"))
    if problems:
        raise ValidationError(problems)


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


def read_time(value: Any, field: str, problems: list[V], *, required: bool) -> datetime | None:
    if value is None:
        if required:
            problems.append(V(field, "required", f"{field} is required"))
        return None
    parsed = parse_time(value)
    if parsed is None:
        problems.append(V(field, "datetime", f"{field} must be an RFC 3339 time with an offset"))
    return parsed


def _bucket(
    payload: Mapping[str, Any], now: datetime, max_age: timedelta, problems: list[V]
) -> datetime | None:
    start = read_time(payload.get("period_start"), "period_start", problems, required=True)
    end = read_time(payload.get("period_end"), "period_end", problems, required=False)
    if start is None:
        return None
    if start > now + MAX_CLOCK_SKEW:
        problems.append(V("period_start", "range", "period_start is in the future"))
    elif start < now - max_age:
        seconds = int(max_age.total_seconds())
        problems.append(
            V("period_start", "range", f"period_start is more than {seconds} seconds ago")
        )
    if end is not None and end < start:
        problems.append(V("period_end", "range", "period_end is before period_start"))
    elif end is not None and end > now + MAX_CLOCK_SKEW:
        problems.append(V("period_end", "range", "period_end is in the future"))
    return start.replace(second=0, microsecond=0)


def _flag_counts(entries: Any, problems: list[V]) -> dict[FlagKey, int]:
    counts: dict[FlagKey, int] = {}
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


def _custom_counts(entries: Any, problems: list[V]) -> dict[CustomKey, CustomSums]:
    counts: dict[CustomKey, CustomSums] = {}
    for path, entry in _entries(entries, "custom", problems):
        key = _key(entry, path, "key", problems)
        count = _integer(entry, "count", problems, path=path, default=None)
        value_count = _integer(entry, "value_count", problems, path=path, default=0)
        value_sum = _number(entry, "value_sum", path, MAX_VALUE_SUM, problems)
        squares = _number(entry, "value_sum_squares", path, MAX_VALUE_SUM_SQUARES, problems)
        if count is not None and value_count is not None and value_count > count:
            problems.append(V(f"{path}.value_count", "range", "value_count exceeds count"))
        if value_count is not None and value_sum is not None and squares is not None:
            _validate_sums(path, value_count, value_sum, squares, problems)
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


def _validate_sums(
    path: str, value_count: int, value_sum: float, squares: float, problems: list[V]
) -> None:
    """Sums that no set of ``value_count`` real values can have."""
    if squares < 0:
        problems.append(V(f"{path}.value_sum_squares", "range", "must not be negative"))
    elif value_count == 0 and (value_sum or squares):
        problems.append(
            V(f"{path}.value_sum", "range", "value_sum and value_sum_squares need a value_count")
        )
    elif squares and value_sum * value_sum > value_count * squares * (1 + 1e-9):
        problems.append(
            V(
                f"{path}.value_sum_squares",
                "range",
                "value_sum squared exceeds value_count times value_sum_squares",
            )
        )


def _number(
    entry: Mapping[str, Any], field: str, path: str, bound: float, problems: list[V]
) -> float | None:
    value = entry.get(field, 0)
    if not (isinstance(value, int | float) and not isinstance(value, bool)):
        problems.append(V(f"{path}.{field}", "type", f"{field} must be a finite number"))
        return None
    if not (math.isfinite(value) and abs(value) <= bound):
        problems.append(V(f"{path}.{field}", "range", f"{field} must be within +/-{bound:g}"))
        return None
    return float(value)


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
