"""Apply the packaged Alembic migrations, without an ``alembic.ini``.

A database already at the newest revision, the usual case when a server starts, is
recognised with one query and a look at the migration files' ``revision`` lines:
Alembic, which takes a good part of a second to import and to read its scripts, is
loaded only when there is something to migrate.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from premiere.errors import InvalidStateError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant will do; it only has to be the same on every replica.
_MIGRATION_LOCK = 7_016_114_101_1
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:\s*:[^=]*)?\s*=\s*(?:None|[\"']([^\"']+)[\"'])\s*$", re.MULTILINE
)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def packaged_head() -> str | None:
    """The newest revision of the packaged migrations, read from their ``revision`` and
    ``down_revision`` lines; ``None`` when that is not one plain chain (Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str | None] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:  # e.g. a merge: a tuple of parents
            return None
        revisions.add(revision.group(1))
        parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revision(connection: Connection) -> str | None:
    """The revision the database records (``None``: none yet, or more than one)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return str(rows[0]) if len(rows) == 1 else None


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
            stored = stored_revision(connection)
            if stored is not None and stored == packaged_head():
                return
            _upgrade(connection)


def _upgrade(connection: Connection) -> None:
    from alembic import command

    current = current_revision(connection)
    if current == head_revision():
        return
    if current is not None and current not in known_revisions():
        raise InvalidStateError(
            f"the database schema is at revision {current!r}, which this version "
            "of Premiere does not know; upgrade Premiere instead of the database"
        )
    command.upgrade(alembic_config(connection), "head")
