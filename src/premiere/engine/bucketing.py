"""Rollout bucketing: the exact algorithm other SDKs reproduce (docs/evaluation.md).

``bucket(salt, value) = mmh3_x86_32(utf8(salt + "." + value), seed 0, unsigned) % 100000``
"""

from __future__ import annotations

from typing import Any

import mmh3

from premiere.engine.values import bucket_string

BUCKETS = 100_000

__all__ = ["BUCKETS", "bucket", "bucket_for", "bucket_string"]


def bucket(salt: str, value: str) -> int:
    """The bucket (0..99,999) of a bucketing string under a flag's salt.

    Always hashes bytes: mmh3 must never see a ``str`` with a lone surrogate (it crashes).
    Raises UnicodeEncodeError for such strings; :func:`bucket_for` turns that into None.
    """
    return int(mmh3.hash(f"{salt}.{value}".encode(), 0, False)) % BUCKETS


def bucket_for(salt: str, value: Any) -> int | None:
    """The bucket of an attribute value, or None when the value cannot be bucketed."""
    text = bucket_string(value)
    if text is None:
        return None
    try:
        return bucket(salt, text)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form
        return None
