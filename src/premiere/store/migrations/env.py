"""Alembic environment: runs on the connection ``premiere.store.migrate`` hands over.

There is no ``alembic.ini``; the connection arrives in ``config.attributes``, inside a
transaction the caller owns (and holds a migration lock in).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from premiere.store.models import Base


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    assert isinstance(connection, Connection)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - offline SQL generation is not offered
    raise RuntimeError("premiere migrations run online only")
run_migrations_online()
