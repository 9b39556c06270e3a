"""Apply the packaged Alembic migrations, without an ``alembic.ini``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from premiere.errors import InvalidStateError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant will do; it only has to be the same on every replica.
_MIGRATION_LOCK = 7_016_114_101_1


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there.

    Runs in one transaction that first takes a lock, so replicas starting together
    migrate once: PostgreSQL with an advisory lock, SQLite with ``BEGIN IMMEDIATE``.
    """
    with engine.connect() as connection:
        connection.execution_options(premiere_write=True)
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _MIGRATION_LOCK}
                )
            current = current_revision(connection)
            if current == head_revision():
                return
            if current is not None and current not in known_revisions():
                raise InvalidStateError(
                    f"the database schema is at revision {current!r}, which this version "
                    "of Premiere does not know; upgrade Premiere instead of the database"
                )
            command.upgrade(alembic_config(connection), "head")
