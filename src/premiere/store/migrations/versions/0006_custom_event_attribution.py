"""Custom event counts attributed to a flag variation, with sums of squared values.

``custom_event_counts`` gains ``flag`` ("" = not attributed) and ``variation``
(-1 = not attributed), both in the unique key, and ``value_sum_squares`` (the variance
that mean metrics need). Existing rows become unattributed with a zero sum of squares.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

KEY = sa.String(128)
OLD_KEY = ["project", "environment", "key", "bucket"]
NEW_KEY = ["project", "environment", "key", "bucket", "flag", "variation"]
UNIQUE = "uq_custom_event_counts_bucket"


def upgrade() -> None:
    with op.batch_alter_table("custom_event_counts") as batch:
        batch.add_column(sa.Column("flag", KEY, nullable=False, server_default=""))
        batch.add_column(sa.Column("variation", sa.Integer(), nullable=False, server_default="-1"))
        batch.add_column(
            sa.Column("value_sum_squares", sa.Float(), nullable=False, server_default="0")
        )
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, NEW_KEY)


def downgrade() -> None:
    # Every key and minute folds into one unattributed row (marked -2 while both exist).
    op.execute(
        """
        INSERT INTO custom_event_counts (project, environment, key, bucket, flag, variation,
          count, value_count, value_sum, value_sum_squares)
        SELECT project, environment, key, bucket, '', -2, SUM(count), SUM(value_count),
          SUM(value_sum), 0
        FROM custom_event_counts GROUP BY project, environment, key, bucket
        """
    )
    op.execute("DELETE FROM custom_event_counts WHERE variation <> -2")
    op.execute("UPDATE custom_event_counts SET variation = -1")
    with op.batch_alter_table("custom_event_counts") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, OLD_KEY)
        batch.drop_column("value_sum_squares")
        batch.drop_column("variation")
        batch.drop_column("flag")
