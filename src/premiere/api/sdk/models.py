"""Response shapes of the SDK routes: the flag document, events and OFREP answers.

For the OpenAPI description, like :mod:`premiere.api.models`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from premiere.api.models import View


class FlagDocument(View):
    project: str
    environment: str
    version: int
    flags: dict[str, Any] = Field(description="Flags in document form (docs/flag-document.md).")
    segments: dict[str, Any]
    notes: list[dict[str, Any]] | None = Field(
        default=None,
        description="Published notes, newest first; only when there are some "
        "(docs/flag-document.md#published-notes).",
    )


class EventCounts(View):
    flag_evaluations: list[dict[str, Any]] = Field(description="Per minute, flag, variation.")
    custom_events: list[dict[str, Any]] = Field(description="Per minute and event key.")


class EventsCounted(View):
    bucket: str = Field(description="The minute the batch is counted in, RFC 3339, UTC.")
    flag_evaluations: int = Field(description="Evaluations counted.")
    custom_events: int = Field(description="Custom events counted.")
    dropped: int = Field(description="Events the SDK reported it dropped.")


class OfrepEvaluation(View):
    key: str
    reason: str = Field(description="STATIC, TARGETING_MATCH, SPLIT, DISABLED, DEFAULT, ...")
    variant: str | None = Field(
        default=None, description="The served variation; absent when none was served."
    )
    metadata: dict[str, Any]
    value: Any = Field(default=None, description="Absent when the caller's default stands.")


class OfrepFailure(View):
    key: str | None = Field(default=None, description="The flag (single evaluation).")
    errorCode: str = Field(description="PARSE_ERROR, TARGETING_KEY_MISSING, ...")
    errorDetails: str
    metadata: dict[str, Any] | None = Field(
        default=None, description="As a success's, when the failure concerns one flag."
    )


class OfrepBulk(View):
    flags: list[OfrepEvaluation | OfrepFailure]
