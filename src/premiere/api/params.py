"""Values the databases cannot store, refused at the edge.

PostgreSQL text and JSON values cannot hold U+0000, so a NUL anywhere in a request
would fail deep in the store. Here it is refused up front: in a path parameter it
names nothing that can exist (404); in a query parameter or the body it is bad
input (422, rule ``nul_character``, naming the field). Likewise ``NaN`` and
``Infinity``, which Python's JSON parser accepts but JSON does not: 422, rule ``type``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from premiere.errors import NotFoundError, ValidationError, Violation

NUL = "\x00"
RULE = "nul_character"
MESSAGE = "must not contain NUL (U+0000) characters"


def reject_nul_in_path_and_query(request: Request) -> None:
    """An app-wide dependency: NUL in a path parameter -> 404, in a query -> 422."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise NotFoundError(name, value.replace(NUL, "\\x00"))
    bad = [
        Violation(f"query.{name}", RULE, MESSAGE)
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    if bad:
        raise ValidationError(bad)


def reject_unstorable_in_body(data: Any) -> None:
    """422 naming every field (``rules[0].clauses[1].values[0]``) with a NUL or a NaN."""
    bad = list(_unstorable(data, ""))
    if bad:
        raise ValidationError(bad)


def _unstorable(value: Any, path: str) -> Iterator[Violation]:
    if isinstance(value, str):
        if NUL in value:
            yield Violation(path, RULE, MESSAGE)
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield Violation(path, "type", "must be a finite number (NaN and Infinity are not JSON)")
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield Violation(child, RULE, MESSAGE)
            yield from _unstorable(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable(item, f"{path}[{index}]")
