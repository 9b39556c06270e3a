"""The API's shared models: request bodies and response shapes used across domains.

Request bodies: strict types, unknown fields refused, keys constrained.

These check shape and type only; domain rules (variation indices in range, rollout
weights, regular expressions, references, cycles) are the services' to check, so that
every caller gets them. What is passed on (``Body.data()``) holds the fields sent
plus those with a real default; optional fields that were not sent are left out, so
a PATCH carries only what it changes. ``version`` travels apart.

Response shapes (``View``): services return JSON-ready dicts that the routes send as
they are; these models say what those look like in ``/openapi.json``, and
tests/api/test_views.py reads real service answers strictly against them. The domain
packages (``flags/``, ``releases/``, ``deployments/``, ``sdk/``) hold their own
bodies and views beside their routes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    model_serializer,
    model_validator,
)

from premiere.api.params import reject_lone_surrogates, reject_unstorable_in_body

KEY_PATTERN = r"^[A-Za-z0-9._-]{1,128}$"

Key = Annotated[str, Field(strict=True, pattern=KEY_PATTERN)]
Name = Annotated[str, Field(strict=True, max_length=200)]
Description = Annotated[str, Field(strict=True, max_length=10_000)]
Version = Annotated[
    StrictInt | None,
    Field(description="The version this update is based on (or send If-Match)."),
]
Scope = Literal["admin", "deploy", "sdk-server", "sdk-client", "feed"]
Role = Literal["viewer", "engineer", "release_manager", "admin"]


def optional(description: str | None = None) -> Any:
    """An optional field that, when sent, may not be null (absent means unchanged); in a
    view, a key that is served only sometimes and is never null."""
    return Field(default=None, description=description)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_lone_surrogates(cls, data: Any) -> Any:
        """400 before any field is read: the same answer whichever field holds one."""
        reject_lone_surrogates(data)
        return data

    @model_serializer(mode="wrap")
    def _drop_absent_optionals(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Optional fields (default None) appear only when sent; defaults fill the rest."""
        data: dict[str, Any] = handler(self)
        if not isinstance(self, Body):  # pragma: no cover - pydantic passes None for absent
            return data
        for name, info in type(self).model_fields.items():
            if info.default is None and name not in self.model_fields_set:
                data.pop(name, None)
        return data

    def data(self) -> dict[str, Any]:
        """The body for the services (``version`` travels apart); nothing unstorable."""
        data = self.model_dump(exclude={"version"})
        reject_unstorable_in_body(data)
        return data


# projects, environments, services -------------------------------------------------


class ProjectCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()


class ProjectUpdate(Body):
    name: Name = optional()
    description: Description = optional()
    version: Version = None


FlagRole = Annotated[
    Role | None,
    Field(description="The least role that changes flags here; null: the default."),
]


class EnvironmentCreate(Body):
    key: Key
    name: Name = optional()
    production: StrictBool = optional()
    position: Annotated[StrictInt, Field(ge=0)] = optional()
    flag_role: FlagRole = optional()


class EnvironmentUpdate(Body):
    name: Name = optional()
    production: StrictBool = optional()
    position: Annotated[StrictInt, Field(ge=0)] = optional()
    flag_role: FlagRole = optional()
    version: Version = None


class ServiceCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()
    repository: Annotated[str, Field(strict=True, max_length=2000)] = optional()


class ServiceUpdate(Body):
    name: Name = optional()
    description: Description = optional()
    repository: Annotated[str, Field(strict=True, max_length=2000)] = optional()
    version: Version = None


class VersionOnly(Body):
    version: Version = None


# tokens ------------------------------------------------------------------------------


class TokenCreate(Body):
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    scope: Scope
    project: Key = optional()
    environment: Key = optional()
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=366)] = optional(
        "Days until it stops working; default: never."
    )


# response shapes (what the services return, as /openapi.json describes it) -------------


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
    flag_role: str | None = Field(
        description="The least role that changes flags here; null: release_manager in "
        "production, engineer elsewhere."
    )


class ServiceView(Resource):
    project: str
    name: str
    description: str
    repository: str | None


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
    owner: str | None = Field(description="The person or service account it belongs to.")
    role: str | None = Field(description="A personal token's highest role (null: the owner's).")
    expires_at: str | None = Field(description="RFC 3339, UTC; null: never.")


class TokenCreated(TokenView):
    token: str = Field(description="The raw token, prm_<id>_<secret>; shown this once.")


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


ERROR_BODY_REF = "#/components/schemas/ErrorBody"


def answers(model: Any = None, *errors: int, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: its success shape and the errors it may answer.

    The errors name ``ErrorBody`` by reference rather than as a ``model``: FastAPI builds
    a pydantic adapter for every model of every answer of every route, twice (when the
    route is declared, and when a request first reaches its router), and the errors are
    most of them. The SDK stream's answers (api/sdk/stream.py) give ``ErrorBody`` as a
    model, which puts its schema in the document's components; the document is the
    same either way.
    """
    described: dict[int | str, dict[str, Any]] = {}
    if model is not None:
        described[status] = {"model": model}
    for code in errors:
        content = {"application/json": {"schema": {"$ref": ERROR_BODY_REF}}}
        described[code] = {"description": _ERROR_DESCRIPTIONS[code], "content": content}
    return described


COMMON_ERRORS = answers(None, 400, 401, 403, 413, 422)
"""What every authenticated route may answer."""

UPDATE_ERRORS = (404, 409, 428)
CREATE_ERRORS = (404, 409)
