"""Response shapes, for the OpenAPI description only.

Services return JSON-ready dicts that the routes send as they are; these models say
what those look like in ``/openapi.json`` and are never used to validate or filter.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from premiere.api.models import Prerequisite, Rule, SegmentRule, Serve, Target


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(View):
    code: str = Field(description="Stable error code; see docs/errors.md.")
    message: str
    details: dict[str, Any] = Field(
        description='Structured details, e.g. {"errors": [{"field", "rule", "message"}]}.'
    )


class ErrorBody(View):
    error: ErrorDetail


class Resource(View):
    key: str
    version: int = Field(description="Grows by one with every change; the ETag of a GET.")
    created_at: str = Field(description="RFC 3339, UTC.")
    updated_at: str = Field(description="RFC 3339, UTC.")


class ProjectView(Resource):
    name: str
    description: str


class EnvironmentView(Resource):
    project: str
    name: str
    position: int = Field(description="0 for the first stage; environments list in order.")
    production: bool


class ServiceView(Resource):
    project: str
    name: str
    description: str
    repository: str | None


class VariationView(View):
    value: Any
    name: str | None
    description: str | None


class FlagConfigView(View):
    flag: str
    environment: str
    on: bool
    off_variation: int | None
    prerequisites: list[Prerequisite]
    targets: list[Target]
    rules: list[Rule]
    fallthrough: Serve
    version: int
    updated_at: str


class FlagView(Resource):
    project: str
    name: str
    description: str
    kind: str = Field(description="boolean, string, number or json.")
    variations: list[VariationView]
    tags: list[str]
    client_visible: bool
    archived: bool
    salt: str
    environments: dict[str, FlagConfigView] = Field(description="Configuration per environment.")


class SegmentView(Resource):
    project: str
    name: str
    description: str
    included: list[str]
    excluded: list[str]
    rules: list[SegmentRule]


class ActorView(View):
    kind: str = Field(description="token, user or system.")
    id: str
    name: str


class AuditEventView(View):
    id: int
    at: str
    actor: ActorView
    action: str = Field(description="<resource>.<verb>, e.g. flag_config.updated.")
    project: str | None
    resource_type: str
    resource_key: str
    environment: str | None
    before: Any
    after: Any
    prev_hash: str | None = Field(description="The hash of the chain's previous event.")
    hash: str | None = Field(description="This event's hash; see docs/operations.md.")


class AuditPage(View):
    items: list[AuditEventView]
    next_cursor: str | None = Field(description="Pass back as ?cursor= for the next page.")


class AuditChainHeadView(View):
    project: str | None = Field(description="null: the chain of events of no project.")
    event_id: int
    hash: str
    at: str
    events: int


class AuditChainHeads(View):
    items: list[AuditChainHeadView]


class AuditBreak(View):
    event_id: int | None = Field(description="The first event that does not verify.")
    problem: str


class AuditChainReport(View):
    project: str | None
    ok: bool
    events: int = Field(description="Events read, up to the first broken one.")
    head: AuditChainHeadView | None
    broken: AuditBreak | None


class AuditExpectedHead(View):
    event_id: int
    hash: str
    project: str | None
    ok: bool
    problem: str | None


class AuditVerification(View):
    ok: bool
    chains: list[AuditChainReport]
    expected: list[AuditExpectedHead] = Field(description="One per ?expect= given.")


class TokenView(View):
    id: str
    name: str
    scope: str
    project: str | None
    environment: str | None
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class TokenCreated(TokenView):
    token: str = Field(description="The raw token, prm_<id>_<secret>; shown this once.")


class EvaluationView(View):
    flag: str
    value: Any
    variation: int | None
    reason: dict[str, Any] = Field(description='{"kind": "RULE_MATCH", "rule_id": ...}')


class FlagDocument(View):
    project: str
    environment: str
    version: int
    flags: dict[str, Any] = Field(description="Flags in document form (docs/flag-document.md).")
    segments: dict[str, Any]


class ReleaseView(View):
    key: str
    project: str
    name: str
    description: str | None
    environment: str | None = Field(description="The target environment.")
    features: list[Any] = Field(description="The flags the release opens.")
    state: str = Field(description="draft, scheduled, ready, rolling_out, paused, released, ...")
    stage: int | None = Field(description="Index of the current rollout stage.")
    approvals: dict[str, Any]
    version: int = Field(description="Grows by one with every change; the ETag of a GET.")
    created_at: str
    updated_at: str


class ScheduledChangeView(View):
    id: int
    project: str
    flag: str
    environment: str
    patch: dict[str, Any] = Field(description="The configuration change to apply.")
    at: str = Field(description="RFC 3339, UTC: when it applies.")
    status: str = Field(description="pending, applied, cancelled or failed.")
    error: str | None
    reason: str | None
    created_by: ActorView = Field(description="Who created it.")
    applied_at: str | None
    created_at: str
    updated_at: str


class FreezeWindowView(View):
    id: int
    project: str
    environment: str | None = Field(description="None: every environment.")
    start: str
    end: str
    reason: str | None
    created_by: ActorView = Field(description="Who created it.")
    created_at: str


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
    variant: str | None
    metadata: dict[str, Any]
    value: Any = Field(default=None, description="Absent when the caller's default stands.")


class OfrepFailure(View):
    key: str | None = Field(default=None, description="The flag (single evaluation).")
    errorCode: str = Field(description="PARSE_ERROR, TARGETING_KEY_MISSING, ...")
    errorDetails: str


class OfrepBulk(View):
    flags: list[OfrepEvaluation | OfrepFailure]


class Health(View):
    status: str
    version: str


_ERROR_DESCRIPTIONS = {
    400: "Malformed request: the body is not a JSON object.",
    401: "No token, or an unknown or revoked one.",
    403: "The token's scope or binding does not allow this.",
    404: "No such resource.",
    409: "Already exists, stale version (version_conflict), or conflicting state.",
    413: "Body larger than the configured limit.",
    422: "Validation failed: every field and rule broken is listed.",
    428: "The update did not name the version it is based on.",
    429: "Rate limited; Retry-After says when to try again.",
    503: "At capacity; Retry-After says when to try again.",
}


def answers(model: Any = None, *errors: int, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: its success shape and the errors it may answer."""
    described: dict[int | str, dict[str, Any]] = {}
    if model is not None:
        described[status] = {"model": model}
    for code in errors:
        described[code] = {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[code]}
    return described


COMMON_ERRORS = answers(None, 400, 401, 403, 413, 422)
"""What every authenticated route may answer."""

UPDATE_ERRORS = (404, 409, 428)
CREATE_ERRORS = (404, 409)
