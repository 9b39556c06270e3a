"""The schema, as typed SQLAlchemy models.

Keys (``project.key``, ``flag.key``) are what people and URLs use; integer ids are
internal. The audit log, the change feed and tokens refer to projects and
environments by key, so that they stay readable on their own.

The Alembic migrations in ``migrations/versions`` create exactly these tables; a
test compares the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from premiere.store.types import UTCDateTime, big_id_type, json_type, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KEY_LENGTH = 128
TOKEN_ID_LENGTH = 16
SOURCE_LENGTH = 16


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Project(Timestamps, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class Environment(Timestamps, Base):
    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    production: Mapped[bool] = mapped_column(Boolean, default=False)
    # The least role that may change flags here; NULL: release_manager in production,
    # engineer elsewhere (services/people/permissions.py).
    flag_role: Mapped[str | None] = mapped_column(String(32), default=None)
    # Grows with every change to the environment's flag document (the SDK ETag).
    document_version: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Service(Timestamps, Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    repository: Mapped[str | None] = mapped_column(String(500), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Flag(Timestamps, Base):
    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    variations: Mapped[list[Any]] = mapped_column(json_type())
    tags: Mapped[list[Any]] = mapped_column(json_type())
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    salt: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)


class FlagConfig(Timestamps, Base):
    """A flag's configuration in one environment: on/off, targets, rules, fallthrough."""

    __tablename__ = "flag_configs"
    __table_args__ = (UniqueConstraint("flag_id", "environment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"))
    environment_id: Mapped[int] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), index=True
    )
    config: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Segment(Timestamps, Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    included: Mapped[list[Any]] = mapped_column(json_type())
    excluded: Mapped[list[Any]] = mapped_column(json_type())
    rules: Mapped[list[Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)


class AuditEvent(Base):
    """Who changed what, when, before and after. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_project_id", "project", "id"),
        Index("ix_audit_events_resource", "resource_type", "resource_key", "id"),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_project_action", "project", "action", "id"),
        Index("ix_audit_events_project_resource_type", "project", "resource_type", "id"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_key: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    before: Mapped[Any] = mapped_column(json_type(), nullable=True)
    after: Mapped[Any] = mapped_column(json_type(), nullable=True)
    # The hash chain (services/audit_chain.py): the hash of the chain's previous event,
    # and this event's own hash over all of the fields above and ``prev_hash``.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest event of one audit chain (a project's, or ``""``: events of no project).

    Updated in the transaction that appends to the chain; its row lock (an advisory
    lock on PostgreSQL, the write lock on SQLite) serialises the chain's writers.
    """

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()
    events: Mapped[int] = mapped_column(BigInteger)


class ApiToken(Base):
    """An API token. Only the SHA-256 of its secret is kept; the raw token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))
    project: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    environment: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Whose token it is: a person's (personal tokens act with their owner's role, at most
    # ``role``) or a service account's; NULL for tokens made before people existed.
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True, default=None
    )
    role: Mapped[str | None] = mapped_column(String(32), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsoleSession(Base):
    """A signed-in visit to the web console, by a person (password or single sign-on)
    or made from an admin API token.

    Only the SHA-256 of the random session id (the cookie) is kept. A session ends at
    sign-out, after its idle or maximum age, when its token is revoked, and when its
    person changes their password or is removed.
    """

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True, default=None
    )
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Change(Base):
    """The change feed: one row per environment whose flag document a write changed.

    ``seq`` orders the feed; SDK streams read it from a remembered position.
    """

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_project_environment", "project", "environment", "seq"),)

    seq: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project: Mapped[str] = mapped_column(String(KEY_LENGTH))
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    document_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utc_now)


# SDK events: evaluation and custom event counts, aggregated per minute -----------------


class FlagEvaluationCount(Base):
    """How often SDKs of one environment served a flag's variation for a reason, per
    minute, as sent with one token.

    ``variation`` is -1 when the caller's default was served (so the row is unique
    without NULLs); counts only ever grow, by upsert (saturating, never overflowing).
    ``token`` is the id of the SDK token that sent them and ``source`` its scope
    (``sdk-server`` or ``sdk-client``); both "" for rows counted before tokens were
    recorded.
    """

    __tablename__ = "flag_evaluation_counts"
    __table_args__ = (
        UniqueConstraint(
            "project",
            "environment",
            "flag",
            "bucket",
            "variation",
            "reason",
            "token",
            name="uq_flag_evaluation_counts_bucket",
        ),
        Index("ix_flag_evaluation_counts_environment_bucket", "project", "environment", "bucket"),
        Index("ix_flag_evaluation_counts_bucket", "bucket"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project: Mapped[str] = mapped_column(String(KEY_LENGTH))
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    flag: Mapped[str] = mapped_column(String(KEY_LENGTH))
    bucket: Mapped[datetime] = mapped_column()
    variation: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(TOKEN_ID_LENGTH), server_default="")
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH), server_default="")


class CustomEventCount(Base):
    """Custom events (``track``) of one environment per key, minute, attributed flag
    variation and sending token (as :class:`FlagEvaluationCount`), with value sums and
    sums of squares."""

    __tablename__ = "custom_event_counts"
    __table_args__ = (
        UniqueConstraint(
            "project",
            "environment",
            "key",
            "bucket",
            "flag",
            "variation",
            "token",
            name="uq_custom_event_counts_bucket",
        ),
        Index("ix_custom_event_counts_environment_bucket", "project", "environment", "bucket"),
        Index("ix_custom_event_counts_bucket", "bucket"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project: Mapped[str] = mapped_column(String(KEY_LENGTH))
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    bucket: Mapped[datetime] = mapped_column()
    count: Mapped[int] = mapped_column(BigInteger)
    value_count: Mapped[int] = mapped_column(BigInteger)
    value_sum: Mapped[float] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(KEY_LENGTH), server_default="")
    """The flag the events are attributed to; "" when not attributed."""
    variation: Mapped[int] = mapped_column(server_default="-1")
    """The variation of ``flag`` the context was last served; -1 when not attributed."""
    value_sum_squares: Mapped[float] = mapped_column(Float, server_default="0")
    token: Mapped[str] = mapped_column(String(TOKEN_ID_LENGTH), server_default="")
    """The id of the SDK token that sent the events; "" for rows from before 0008."""
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH), server_default="")
    """That token's scope (``sdk-server`` or ``sdk-client``); "" when not known."""
