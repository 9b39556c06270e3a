"""The people tables: accounts, their roles per project, their single sign-on
identities, invitations, and the counters that throttle signing in.

A person is someone who signs in (``kind`` "person") or a service account that holds
pipeline tokens (``kind`` "service"). A role grant gives a person a role in one project,
or in every project when ``project`` is NULL. Removing a person keeps the row (the
audit log names it) with ``removed_at`` set; their sessions and tokens end with it.
Only hashes are kept of passwords (Argon2id) and invitation secrets (SHA-256).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from premiere.store.models import KEY_LENGTH, Base
from premiere.store.types import utc_now

EMAIL_LENGTH = 254


class Person(Base):
    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    email: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256), default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)


class RoleGrant(Base):
    """A person's role in ``project`` (a project key), or in every project (NULL)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "project"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    project: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    role: Mapped[str] = mapped_column(String(32))


class Identity(Base):
    """A person's account at an OpenID provider: the issuer and its ``sub`` claim."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Invitation(Base):
    """A one-time link inviting ``email`` with a role; only the secret's SHA-256 is kept."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_email", "email"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    name: Mapped[str] = mapped_column(String(200), default="")
    project: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    role: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    person_id: Mapped[str | None] = mapped_column(String(32), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class SignInThrottle(Base):
    """Failed sign-ins counted per key (``account:<email>`` or ``address:<ip>``) in a
    window; ``blocked_until`` is set once a key has failed too often."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utc_now)
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)
