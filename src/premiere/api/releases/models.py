"""Request bodies of the releases API. Nested parts (features, plan, guards, ...)
are plain JSON here: the services check them and name the field and rule broken."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictStr

from premiere.api.models import Body, Description, Key, Name, Version, optional

Reason = Annotated[str, Field(strict=True, max_length=2000)]
Json = Any


class ReleaseCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()
    environment: Key
    features: list[dict[str, Json]]
    audience: Json = optional()
    notes: Json = optional()
    schedule: Json = optional()
    plan: Json = optional()
    guards: Json = optional()
    required_approvals: Json = optional()
    announce: Json = optional()


class ReleaseUpdate(Body):
    name: Name = optional()
    description: Description = optional()
    environment: Key = optional()
    features: Json = optional()
    audience: Json = optional()
    notes: Json = optional()
    schedule: Json = optional()
    plan: Json = optional()
    guards: Json = optional()
    required_approvals: Json = optional()
    announce: Json = optional()
    version: Version = None


class ReleaseAction(Body):
    """start / advance: a reason, and an audited override of a freeze window."""

    reason: Reason = optional()
    override_freeze: StrictBool = optional()
    version: Version = None


class ReleaseNote(Body):
    """pause / resume / roll back."""

    reason: Reason = optional()
    version: Version = None


class ReleaseSchedule(Body):
    reason: Reason = optional()
    start_at: StrictStr = optional()
    timezone: StrictStr = optional()
    version: Version = None


class ApprovalCreate(Body):
    comment: Reason = optional()
    digest: Annotated[str, Field(strict=True, max_length=80)] = optional()


class TrainCreate(Body):
    key: Key
    name: Name = optional()
    environment: Key | None = None
    cadence: dict[str, Json]


class TrainUpdate(Body):
    name: Name = optional()
    environment: Key | None = None
    cadence: dict[str, Json] = optional()
    version: Version = None


class ScheduledChangeCreate(Body):
    flag: Key
    environment: Key
    patch: dict[str, Json]
    at: StrictStr
    timezone: StrictStr = optional()
    reason: Reason = optional()


class FreezeWindowCreate(Body):
    environment: Key
    start: StrictStr
    end: StrictStr
    reason: Reason = optional()
