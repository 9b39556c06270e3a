"""People: accounts, role grants per project, single sign-on identities, invitations,
sign-in throttles; tokens and console sessions that belong to a person; the role an
environment asks of those who change its flags.

Existing tokens keep working: they belong to nobody and act by their scope.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from premiere.store.types import UTCDateTime

revision = "0021"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=True),
        sa.Column("password_changed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("email", name=op.f("uq_people_email")),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("project", sa.String(128), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"],
            name=op.f("fk_role_grants_person_id_people"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint("person_id", "project", name=op.f("uq_role_grants_person_id_project")),
    )  # fmt: skip
    op.create_index(op.f("ix_role_grants_person_id"), "role_grants", ["person_id"])
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"],
            name=op.f("fk_identities_person_id_people"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_identities_issuer_subject")),
    )  # fmt: skip
    op.create_index(op.f("ix_identities_person_id"), "identities", ["person_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("project", sa.String(128), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("person_id", sa.String(32), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_index("ix_invitations_email", "invitations", ["email"])
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    # environments is referenced by other tables: a copy of it (SQLite's way to alter
    # a table) would cascade their rows away, so its column is added in place. A copy of
    # api_tokens ends the console's sessions (they cascade from it): they are made anew.
    op.add_column("environments", sa.Column("flag_role", sa.String(32), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("person_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("role", sa.String(32), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_api_tokens_person_id_people"), "people", ["person_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
        batch.create_index(op.f("ix_api_tokens_person_id"), ["person_id"])
    with op.batch_alter_table("sessions") as batch:
        batch.alter_column("token_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("person_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sessions_person_id_people"), "people", ["person_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
        batch.create_index(op.f("ix_sessions_person_id"), ["person_id"])


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index(op.f("ix_sessions_person_id"))
        batch.drop_constraint(op.f("fk_sessions_person_id_people"), type_="foreignkey")
        batch.drop_column("person_id")
    op.execute("DELETE FROM sessions WHERE token_id IS NULL")
    with op.batch_alter_table("sessions") as batch:
        batch.alter_column("token_id", existing_type=sa.String(32), nullable=False)
    # Tokens of people go with the people; on SQLite the table is copied without the
    # columns, which ends console sessions (they cascade from the tokens' table).
    op.execute("DELETE FROM api_tokens WHERE person_id IS NOT NULL OR scope = 'personal'")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index(op.f("ix_api_tokens_person_id"))
        batch.drop_constraint(op.f("fk_api_tokens_person_id_people"), type_="foreignkey")
        batch.drop_column("expires_at")
        batch.drop_column("role")
        batch.drop_column("person_id")
    if op.get_bind().dialect.name == "sqlite":  # in place (SQLite 3.35+), not a copy
        op.execute("ALTER TABLE environments DROP COLUMN flag_role")
    else:
        op.drop_column("environments", "flag_role")
    op.drop_table("sign_in_throttles")
    op.drop_index("ix_invitations_email", table_name="invitations")
    op.drop_table("invitations")
    op.drop_index(op.f("ix_identities_person_id"), table_name="identities")
    op.drop_table("identities")
    op.drop_index(op.f("ix_role_grants_person_id"), table_name="role_grants")
    op.drop_table("role_grants")
    op.drop_table("people")
