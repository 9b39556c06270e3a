"""What's new and feedback: the notes each end user has seen (``note_seen``) and end
users' reactions and comments on notes (``note_feedback``).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from premiere.store.types import UTCDateTime, big_id_type

revision = "0020"
down_revision: str | None = "0019"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "note_seen",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("context_key", sa.String(256), nullable=False),
        sa.Column("note_id", big_id_type(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        _fk("note_seen", "project_id", "projects"),
        _fk("note_seen", "environment_id", "environments"),
        _fk("note_seen", "note_id", "note_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_seen")),
        sa.UniqueConstraint(
            "environment_id",
            "context_key",
            "note_id",
            name="uq_note_seen_environment_id_context_key_note_id",
        ),
    )
    op.create_index("ix_note_seen_note_id", "note_seen", ["note_id"])
    op.create_table(
        "note_feedback",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("note_id", big_id_type(), nullable=False),
        sa.Column("environment", sa.String(128), nullable=False),
        sa.Column("context_key", sa.String(256), nullable=False),
        sa.Column("reaction", sa.String(16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("variations", JSON, nullable=False),
        sa.Column("release_state", sa.String(16), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("note_feedback", "project_id", "projects"),
        _fk("note_feedback", "release_id", "releases"),
        _fk("note_feedback", "note_id", "note_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_feedback")),
    )
    op.create_index("ix_note_feedback_release_id", "note_feedback", ["release_id"])
    op.create_index("ix_note_feedback_note_id", "note_feedback", ["note_id"])


def downgrade() -> None:
    op.drop_table("note_feedback")
    op.drop_table("note_seen")
