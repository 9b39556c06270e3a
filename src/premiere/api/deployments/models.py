"""Request bodies and response shapes of the deployment ledger's routes.

Bodies check shape and type only; the services check the domain rules (version and
SHA patterns, transitions, policies).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from premiere.api.models import ActorView, Body, Key, Version, View, optional
from premiere.api.params import reject_unstorable_in_body

Text = Annotated[str, Field(strict=True, max_length=10_000)]
Log = Annotated[str, Field(strict=True, max_length=10_000_000)]
IdempotencyKey = Annotated[str, Field(strict=True, min_length=1, max_length=200)]
Number = StrictInt | StrictFloat


class Commit(Body):
    sha: StrictStr
    message: Annotated[str, Field(strict=True, max_length=2000)] = optional()
    author: Annotated[str, Field(strict=True, max_length=200)] = optional()


class DeploymentRecord(Body):
    service: Key
    environment: Key
    version: Annotated[str, Field(strict=True, max_length=128)] = Field(
        description="The service's version: [A-Za-z0-9][A-Za-z0-9._+-]{0,127}."
    )
    commit_sha: Annotated[str, Field(strict=True, max_length=64)] = Field(
        description="7 to 40 hex digits, or 64 for SHA-256 repositories."
    )
    commit_time: StrictStr | None = Field(default=None, description="RFC 3339.")
    commits: Annotated[list[Commit], Field(max_length=1000)] = optional()
    artifact: Annotated[str, Field(strict=True, max_length=500)] | None = None
    pipeline_url: Annotated[str, Field(strict=True, max_length=2000)] | None = None
    features: Annotated[list[StrictStr], Field(max_length=1000)] = optional()
    status: Literal["pending", "in_progress"] = optional()
    log_excerpt: Log = optional()
    idempotency_key: IdempotencyKey = optional()

    def data(self) -> dict[str, Any]:
        """Here ``version`` is the service's version, not a row version: keep it."""
        data = self.model_dump()
        reject_unstorable_in_body(data)
        return data


class StatusReport(Body):
    status: Literal["in_progress", "verifying", "succeeded", "failed"]
    log_excerpt: Log = optional()
    reason: Text | None = None
    duration_ms: Annotated[StrictInt, Field(ge=0, lt=2**62)] = optional()


class FinishReport(Body):
    outcome: Literal["succeeded", "failed"]
    log_excerpt: Log = optional()
    reason: Text | None = None
    duration_ms: Annotated[StrictInt, Field(ge=0, lt=2**62)] = optional()


class RollbackRequest(Body):
    idempotency_key: IdempotencyKey = optional()
    reason: Text = optional()


class PromoteRequest(Body):
    service: Key
    from_: Key = Field(alias="from")
    to: Key
    idempotency_key: IdempotencyKey = optional()

    def data(self) -> dict[str, Any]:
        data = super().data()
        data["from"] = data.pop("from_")
        return data


class JsonField(Body):
    path: Annotated[str, Field(strict=True, min_length=1, max_length=500)]
    equals: Any


class CheckBody(Body):
    """An HTTP check (``url`` ...) or a command check (``argv`` ...)."""

    key: Key = optional()
    kind: Literal["http", "command"]
    environment: Key | None = None
    timeout_seconds: Number = optional()
    retries: StrictInt = optional()
    interval_seconds: Number = optional()
    backoff: Number = optional()
    url: Annotated[str, Field(strict=True, max_length=2000)] = optional()
    method: Literal["GET", "HEAD", "POST"] = optional()
    expected_status: StrictInt = optional()
    body_contains: Text | None = None
    json_field: JsonField | None = None
    argv: Annotated[
        list[Annotated[str, Field(strict=True, max_length=10_000)]], Field(max_length=100)
    ] = optional()
    expected_exit_code: StrictInt = optional()
    version: Version = None


class PolicyUpdate(Body):
    require_verified_in_previous: StrictBool
    version: Version = None


class SecretUpdate(Body):
    secret: Annotated[str, Field(strict=True, min_length=1, max_length=500)]


# response shapes (OpenAPI only) -------------------------------------------------------


class CheckResultView(View):
    key: str
    kind: str
    status: str = Field(description="passed or failed.")
    attempts: int
    duration_ms: int
    reason: str | None


class VerificationView(View):
    status: str = Field(description="none, running, passed or failed.")
    checks: list[CheckResultView]


class DeploymentView(View):
    id: int
    project: str
    service: str
    environment: str
    version: str = Field(description="The service's version (deployments have no row version).")
    commit_sha: str
    status: str = Field(
        description="pending, in_progress, verifying, succeeded, failed or rolled_back."
    )
    actor: ActorView
    features: list[str]
    unknown_features: list[str] = Field(description="Carried keys that no flag has yet.")
    verified: bool
    verification: VerificationView
    time_to_restore_seconds: float | None
    created_at: str


class DeploymentPage(View):
    items: list[DeploymentView]
    next_cursor: str | None


class CheckView(View):
    key: str
    project: str
    service: str
    environment: str | None
    kind: str
    version: int


class PolicyView(View):
    project: str
    environment: str
    require_verified_in_previous: bool
    version: int


class SecretView(View):
    project: str
    provider: str
    configured: bool
    updated_at: str | None


class MatrixView(View):
    project: str
    environments: list[str]
    services: list[dict[str, Any]]


class FlagDeploymentsView(View):
    project: str
    flag: str
    exists: bool
    environments: list[dict[str, Any]]
    deployments: list[dict[str, Any]]


class DarkCodeView(View):
    project: str
    environment: str | None
    items: list[dict[str, Any]]


class WebhookResult(View):
    event: str | None
    action: str = Field(
        description="pong, recorded, seen, ignored, replayed (a delivery id seen before), "
        "or the deployment_status state applied."
    )
    delivery: str | None = Field(default=None, description="X-GitHub-Delivery of a replay.")
