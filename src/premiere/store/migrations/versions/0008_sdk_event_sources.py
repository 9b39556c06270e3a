"""SDK event counts record the token that sent them; sums stay finite.

``flag_evaluation_counts`` and ``custom_event_counts`` gain ``token`` (the sending SDK
token's id) and ``source`` (its scope, ``sdk-server`` or ``sdk-client``), ``token`` in
the unique key, and an index on ``bucket`` alone (pruning by age). Existing rows keep
"" in both: readable, counted by no guard. Counts and sums beyond the bounds that
writes now keep (infinities and overflowing values from before) are clamped to them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

MAX_STORED_COUNT = 10**15
MAX_STORED_SUM = 1e100
FOLDED = "~"  # marks the rows folded together on downgrade
TABLES = {
    "flag_evaluation_counts": (
        "uq_flag_evaluation_counts_bucket",
        ["project", "environment", "flag", "bucket", "variation", "reason"],
        ["count"],
    ),
    "custom_event_counts": (
        "uq_custom_event_counts_bucket",
        ["project", "environment", "key", "bucket", "flag", "variation"],
        ["count", "value_count", "value_sum", "value_sum_squares"],
    ),
}


def upgrade() -> None:
    for table, (unique, key, _) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("token", sa.String(16), nullable=False, server_default=""))
            batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default=""))
            batch.drop_constraint(unique, type_="unique")
            batch.create_unique_constraint(unique, [*key, "token"])
        op.create_index(f"ix_{table}_bucket", table, ["bucket"])
    _clamp()


def _clamp() -> None:
    counts = [("flag_evaluation_counts", "count")] + [
        ("custom_event_counts", c) for c in ("count", "value_count")
    ]
    for table, column in counts:
        op.execute(
            f"UPDATE {table} SET {column} = {MAX_STORED_COUNT} WHERE {column} > {MAX_STORED_COUNT}"
        )
    bound = f"{MAX_STORED_SUM:.0e}"
    for column in ("value_sum", "value_sum_squares"):
        # NaN (PostgreSQL) compares greater than every number; SQLite stores it as NULL.
        op.execute(
            f"UPDATE custom_event_counts SET {column} = {bound} "
            f"WHERE {column} > {bound} OR {column} IS NULL"
        )
        op.execute(f"UPDATE custom_event_counts SET {column} = -{bound} WHERE {column} < -{bound}")


def downgrade() -> None:
    # The rows of all tokens of a minute fold into one (marked "~" while both exist).
    for table, (unique, key, sums) in TABLES.items():
        columns = ", ".join(key)
        totals = ", ".join(f"SUM({c})" for c in sums)
        op.execute(
            f"INSERT INTO {table} ({columns}, {', '.join(sums)}, token, source) "
            f"SELECT {columns}, {totals}, '{FOLDED}', '' FROM {table} GROUP BY {columns}"
        )
        op.execute(f"DELETE FROM {table} WHERE token <> '{FOLDED}'")
        op.drop_index(f"ix_{table}_bucket", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(unique, type_="unique")
            batch.create_unique_constraint(unique, key)
            batch.drop_column("source")
            batch.drop_column("token")
