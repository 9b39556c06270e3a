"""The deployment ledger's tables, on the same declarative ``Base`` as the rest.

``deployments`` is the ledger itself (append-mostly: rows change only through their
status transitions). ``environment_service_state`` holds, per service and
environment, the deployment that runs there now; it is written in the transaction
that makes a deployment succeed, so the environment matrix reads one small table
instead of scanning the ledger. ``deployment_features`` indexes the flag keys a
deployment carries, for "where is this flag's code" and the dark-code inventory.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from premiere.store.models import KEY_LENGTH, Base
from premiere.store.types import big_id_type, json_type, utc_now

VERSION_LENGTH = 128
SHA_LENGTH = 64
IDEMPOTENCY_KEY_LENGTH = 200

SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
"""A semantic version (``1.2.3-rc.1+build``, a leading ``v`` allowed)."""

INSIGHTS_INDEX = (
    "ix_deployments_insights",
    "environment_id",
    "finished_day",
    "finished_at",
    "project_id",
    "service_id",
    "status",
    "verification_status",
    "verified_at",
    "fix",
    "rollback_of_id",
    "lead_seconds",
)
"""An environment's deployments by the day and moment they finished, with every column
the delivery insights read (services/insights/ledger.py): they read the index alone, in
the order of the days they group by."""

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

ORDER_TYPE = String().with_variant(String(collation="C"), "postgresql")  # byte order


def version_order(version: str) -> str | None:
    """A string that sorts (byte-wise) as semantic versions do; None if not one.

    Numbers are length-prefixed (so they compare numerically), a release sorts after
    its pre-releases (``~`` > ``-``), numeric identifiers before alphanumeric ones, and
    ``!`` (below every identifier character) separates identifiers.
    """
    match = SEMVER.match(version)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    order = ".".join(_number(part) for part in (major, minor, patch))
    if not pre:
        return order + "~"
    identifiers = ("0" + _number(part) if part.isdigit() else "1" + part for part in pre.split("."))
    return order + "-" + "!".join(identifiers)


def _number(digits: str) -> str:
    value = str(int(digits))
    return f"{len(value):03d}{value}"


def _version_order_default(context: Any) -> str | None:
    return version_order(str(context.get_current_parameters()["version"]))


class Deployment(Base):
    """One deployment of a service's version into an environment."""

    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("project_id", "idempotency_key"),
        Index("ix_deployments_project_id_id", "project_id", "id"),
        Index("ix_deployments_service_environment", "service_id", "environment_id", "id"),
        Index("ix_deployments_environment_id", "environment_id", "id"),
        Index("ix_deployments_status", "status"),  # finding those left verifying
        Index(*INSIGHTS_INDEX),
        Index(
            "ix_deployments_service_environment_version",
            "service_id",
            "environment_id",
            "version",
        ),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    environment_id: Mapped[int] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(VERSION_LENGTH))
    version_order: Mapped[str | None] = mapped_column(
        ORDER_TYPE, default=_version_order_default
    )  # version_order(version): the matrix compares versions in SQL with it
    commit_sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    commit_time: Mapped[datetime | None] = mapped_column(default=None)
    commits: Mapped[list[Any]] = mapped_column(json_type())
    artifact: Mapped[str | None] = mapped_column(String(500), default=None)
    pipeline_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    status: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(
        String(IDEMPOTENCY_KEY_LENGTH), default=None
    )
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200))
    log_excerpt: Mapped[str] = mapped_column(Text, default="")
    log_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    features: Mapped[list[Any]] = mapped_column(json_type())
    verification_status: Mapped[str] = mapped_column(String(16), default="none")
    checks: Mapped[list[Any]] = mapped_column(json_type())
    promoted_from_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rollback_of_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rolled_back_by_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    time_to_restore_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    fix: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # a deployment made to fix a failure (deployment rework, services/insights)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
    verification_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    verification_claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    # the process running its checks, and until when its claim holds unless renewed
    lead_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    finished_day: Mapped[int | None] = mapped_column(Integer, default=None)
    # lead_seconds() and day_number(finished_at) below, kept as the row changes


def day_number(moment: datetime | None) -> int | None:
    """The UTC day ``moment`` falls on, as whole days since 1970-01-01."""
    if moment is None:
        return None
    return (moment - UNIX_EPOCH) // timedelta(days=1)


def lead_seconds(commit_time: datetime | None, verified_at: datetime | None) -> float | None:
    """A deployment's lead time for changes, ``verified_at - commit_time`` in seconds
    (None until both are known; negative when the commit time is later). Stored on the
    row, so that the delivery insights read a number instead of two timestamps."""
    if commit_time is None or verified_at is None:
        return None
    return (verified_at - commit_time).total_seconds()


@event.listens_for(Deployment, "before_insert")
@event.listens_for(Deployment, "before_update")
def _keep_insights_columns(_mapper: Any, _connection: Any, row: Deployment) -> None:
    row.lead_seconds = lead_seconds(row.commit_time, row.verified_at)
    row.finished_day = day_number(row.finished_at)


class DeploymentFeature(Base):
    """A flag key whose code a deployment carries."""

    __tablename__ = "deployment_features"
    __table_args__ = (
        Index("ix_deployment_features_project_flag", "project_id", "flag_key", "deployment_id"),
    )

    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    flag_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))


class EnvironmentServiceState(Base):
    """What runs now: the deployment of a service in an environment whose deploy step
    finished last (verifying, succeeded, or failed in verification; see
    ``services/deployments/rows.py``, ``starts_running``)."""

    __tablename__ = "environment_service_state"
    __table_args__ = (Index("ix_environment_service_state_project_id", "project_id"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    environment_id: Mapped[int] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(BigInteger)
    since: Mapped[datetime] = mapped_column(default=utc_now)


class VerificationCheck(Base):
    """A probe run after a deployment of ``service`` (in ``environment``, or in every
    environment when that is null): an HTTP request or a command."""

    __tablename__ = "verification_checks"
    __table_args__ = (UniqueConstraint("service_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    environment: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class EnvironmentPolicy(Base):
    """Deployment rules of one environment."""

    __tablename__ = "environment_policies"

    environment_id: Mapped[int] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), primary_key=True
    )
    require_verified_in_previous: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class WebhookSecret(Base):
    """A project's shared secret for signed webhooks (kept as is: HMAC needs it)."""

    __tablename__ = "webhook_secrets"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    secret: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class WebhookDelivery(Base):
    """A webhook delivery applied, by the id its sender gave it (a replay is ignored)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_received_at", "received_at"),)  # pruning

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
