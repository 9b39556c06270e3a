"""Go-to-market checklists: a template per project, items per release.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from premiere.store.types import UTCDateTime

revision = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "checklist_templates",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_checklist_templates_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_checklist_templates")),
    )
    op.create_table(
        "release_checklist_items",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("due_days_before", sa.Integer(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_checklist_items_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_checklist_items")),
        sa.UniqueConstraint(
            "release_id", "key", name=op.f("uq_release_checklist_items_release_id_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("release_checklist_items")
    op.drop_table("checklist_templates")
