"""Audit events are append-only: the database refuses to update or delete them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

MESSAGE = "audit events are append-only"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION premiere_audit_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$
            """
        )
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb} BEFORE {verb.upper()} ON audit_events "
                "FOR EACH ROW EXECUTE FUNCTION premiere_audit_events_append_only()"
            )
    else:
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb} BEFORE {verb.upper()} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    for verb in ("update", "delete"):
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER audit_events_no_{verb} ON audit_events")
        else:
            op.execute(f"DROP TRIGGER audit_events_no_{verb}")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION premiere_audit_events_append_only()")
