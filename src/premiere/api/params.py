"""Values the databases cannot store, refused at the edge.

PostgreSQL text and JSON values cannot hold U+0000, so a NUL anywhere in a request
would fail deep in the store. Here it is refused up front: in a path parameter it
names nothing that can exist (404); in a query parameter or the body it is bad
input (422, rule ``nul_character``, naming the field). Likewise ``NaN`` and
``Infinity``, which Python's JSON parser accepts but JSON does not: 422, rule ``type``.

A lone UTF-16 surrogate (``"\\ud800"`` with no partner) is valid JSON syntax but no
Unicode text: it could be stored, yet never sent back as UTF-8. Every JSON body is
refused with 400 (``malformed_request``, rule ``lone_surrogate``, naming the field)
when one holds it, wherever the body is read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Request

from premiere.errors import MalformedRequestError, NotFoundError, ValidationError, Violation
from premiere.services.validation import surrogate_paths

MAX_ROW_ID = 2**63 - 1
"""The largest id a row can have (a signed 64-bit integer on both databases)."""


@contextmanager
def query_fields() -> Iterator[None]:
    """Name the fields of a service's validation errors as the query parameters they
    came from (``query.since``), for routes whose input is the query string."""
    try:
        yield
    except ValidationError as exc:
        raise ValidationError(
            Violation(f"query.{v.field}", v.rule, v.message) for v in exc.violations
        ) from None


RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id: 1 to 9223372036854775807.")]
"""An integer id in a path: out of range is 422 (``minimum``/``maximum``), never a 500."""

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


def reject_lone_surrogates(data: Any, where: str = "the request body") -> None:
    """400 naming the first field (``rules[0].values[1]``) holding a lone surrogate."""
    for path in surrogate_paths(data):
        field = path or "(body)"
        raise MalformedRequestError(
            f"{where} is not Unicode text: {field} holds a lone UTF-16 surrogate "
            "(\\ud800-\\udfff without its pair)",
            {"field": field, "rule": "lone_surrogate"},
        )


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


def utc_time(name: str, moment: datetime | None) -> datetime | None:
    """A query date-time in UTC (naive means UTC already).

    ``0001-01-01T00:00:00+23:59`` parses, but its UTC moment lies before year 1 (and
    ``9999-12-31T23:59:59-23:59`` after 9999), which no date-time can hold: 422, rule
    ``datetime``, naming ``query.<name>``.
    """
    if moment is None or moment.tzinfo is None:
        return None if moment is None else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError.single(
            f"query.{name}", "datetime", "must lie between 0001-01-01 and 9999-12-31 in UTC"
        ) from None


def validate_time_range(name: str, text: str | None) -> None:
    """:func:`utc_time` for a date-time passed on as text (the service parses it)."""
    if text is None:
        return
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return  # not a date-time at all: the service says so, naming its rule
    utc_time(name, moment)
