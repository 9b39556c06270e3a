"""Optimistic concurrency over HTTP: versions in, ETags out.

An update names the version it was based on, either as ``If-Match`` (``"3"``,
``W/"3"`` or a bare ``3``) or as ``"version": 3`` in the body. Neither -> the service
answers ``version_required`` (428); a stale one -> ``version_conflict`` (409).
Reads of a resource answer ``ETag: "<version>"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Header
from starlette.responses import JSONResponse

from premiere.errors import ValidationError

_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The version the update is based on: `"3"`, `W/"3"` or `3`.',
    ),
]


def expected_version(if_match: str | None, body_version: int | None) -> int | None:
    """The version an update is based on, from the header or the body (or None)."""
    header_version = parse_if_match(if_match) if if_match is not None else None
    if header_version is not None and body_version is not None and header_version != body_version:
        raise ValidationError.single(
            "version",
            "version_mismatch",
            f"If-Match names version {header_version} but the body names {body_version}",
        )
    return header_version if header_version is not None else body_version


def parse_if_match(value: str) -> int:
    match = _IF_MATCH.match(value)
    if match is None or (match.group(0).count('"') == 1):
        raise ValidationError.single(
            "header.if-match",
            "version_format",
            'If-Match must name one version, as "3", W/"3" or 3',
        )
    return int(match.group(1))


def etag_for(version: int) -> str:
    return f'"{version}"'


def resource_response(
    view: Mapping[str, Any], status_code: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A resource's JSON with its version as ETag."""
    all_headers = dict(headers or {})
    version = view.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        all_headers["ETag"] = etag_for(version)
    return JSONResponse(dict(view), status_code=status_code, headers=all_headers)
