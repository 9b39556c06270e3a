"""The audit chain's hash recipe (written out in ``docs/operations.md``).

An event's hash is the SHA-256, in lower-case hex, of the JSON object holding every
stored field of the event plus ``prev_hash`` (the hash of the chain's previous event,
``GENESIS`` for the first), encoded with sorted keys, no spaces, ASCII only, the time
as RFC 3339 UTC with microseconds and a ``Z``, and numbers as JSON columns give them
back (:func:`canonical_numbers`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id", "at", "actor_kind", "actor_id", "actor_name", "action", "project",
    "resource_type", "resource_key", "environment", "before", "after", "prev_hash",
)  # fmt: skip
EXACT_INTEGERS = 2**53  # beyond this a JSON number is compared as a double


def audit_record_hash(record: Mapping[str, Any]) -> str:
    """The hash of one event, given its ``HASHED_FIELDS`` (``at`` a datetime)."""
    fields = {name: record[name] for name in HASHED_FIELDS}
    fields["at"] = _rfc3339(fields["at"])
    fields["before"] = canonical_numbers(fields["before"])
    fields["after"] = canonical_numbers(fields["after"])
    encoded = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


def canonical_numbers(value: Any) -> Any:
    """Numbers as they survive a JSON column: whole numbers up to 2**53 as integers,
    every other number as the nearest double (PostgreSQL's JSONB keeps neither ``1.0``
    nor ``1e16`` as written)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {key: canonical_numbers(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [canonical_numbers(item) for item in value]
    if kind is float and value.is_integer() and abs(value) <= EXACT_INTEGERS:
        return int(value)
    if kind is int and abs(value) > EXACT_INTEGERS:
        try:
            return float(value)
        except OverflowError:
            return value
    return value


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
