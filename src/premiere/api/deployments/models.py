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
    fix: StrictBool | None = Field(
        default=None, description="A deployment made to fix a failure (deployment rework)."
    )

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


# response shapes (what the services return, as /openapi.json describes it) -------------


class CheckResultView(View):
    key: str
    kind: str
    status: str = Field(description="passed or failed.")
    attempts: int
    duration_ms: int
    reason: str | None
    http_status: int | None = Field(default=None, description="http checks: the status answered.")
    exit_code: int | None = Field(default=None, description="command checks: the exit code.")


class CommitView(View):
    sha: str
    message: str | None
    author: str | None


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
    commit_time: str | None = Field(description="RFC 3339, UTC.")
    commits: list[CommitView]
    artifact: str | None
    pipeline_url: str | None
    status: str = Field(
        description="pending, in_progress, verifying, succeeded, failed or rolled_back."
    )
    idempotency_key: str | None
    actor: ActorView
    log_excerpt: str
    log_truncated: bool = Field(description="True when the excerpt was cut to its limit.")
    reason: str | None
    duration_ms: int | None
    features: list[str]
    unknown_features: list[str] = Field(description="Carried keys that no flag has yet.")
    verified: bool
    verification: VerificationView
    promoted_from: int | None = Field(description="The deployment this one was promoted from.")
    rollback_of: int | None = Field(description="The deployment this one rolled back.")
    fix: bool = Field(description="Made to fix a failure (counts as deployment rework).")
    rolled_back_by: int | None = Field(description="The deployment that rolled this one back.")
    time_to_restore_seconds: float | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    verified_at: str | None
    updated_at: str


class DeploymentPage(View):
    items: list[DeploymentView]
    next_cursor: str | None


class CheckView(View):
    """A verification check; ``url`` ... are an http check's, ``argv`` ... a command's."""

    key: str
    project: str
    service: str
    environment: str | None = Field(description="null: every environment.")
    kind: str = Field(description="http or command.")
    timeout_seconds: float
    retries: int
    interval_seconds: float
    backoff: float
    url: str = optional("http checks.")
    method: str = optional("http checks: GET, HEAD or POST.")
    expected_status: int = optional("http checks.")
    body_contains: str | None = Field(default=None, description="http checks.")
    json_field: dict[str, Any] | None = Field(
        default=None, description='http checks: {"path", "equals"}.'
    )
    argv: list[str] = optional("command checks.")
    expected_exit_code: int = optional("command checks.")
    version: int
    created_at: str
    updated_at: str


class PolicyView(View):
    project: str
    environment: str
    require_verified_in_previous: bool
    version: int
    updated_at: str


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
    reason: str = optional("Why a deployment_status was ignored.")
    deployment: DeploymentView = optional("The deployment recorded, seen or updated.")
