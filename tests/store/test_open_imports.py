"""A server starting on a database already at the newest revision loads neither Alembic
nor the PostgreSQL driver it does not use (store/migrate.py, store/notifications.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from premiere.store import Store
from premiere.store.migrate import head_revision, packaged_head

OPEN_AND_LIST_MODULES = """
import json, sys
from premiere.api.app import create_app
from premiere.settings import Settings
from premiere.store import Store

url = sys.argv[1]
with Store.open(url) as store:
    create_app(Settings(database_url=url), store)
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def test_packaged_head__read_from_the_migration_files__is_alembics_head() -> None:
    assert packaged_head() is not None
    assert packaged_head() == head_revision()


def test_store_open__database_at_head__loads_neither_alembic_nor_psycopg(tmp_path: Path) -> None:
    # Given a SQLite database at the newest revision
    url = f"sqlite:///{tmp_path / 'premiere.db'}"
    Store.open(url).close()
    # When a new process opens it and builds the app on it
    result = subprocess.run(
        [sys.executable, "-c", OPEN_AND_LIST_MODULES, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then it needed no migration tool, no PostgreSQL driver, no HTTP client
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert {"fastapi", "sqlalchemy"} <= loaded
    assert loaded & {"alembic", "psycopg", "httpx"} == set()
