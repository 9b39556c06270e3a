"""Persistence: schema, migrations, transactions, optimistic concurrency, change feed.

SQLite is the embedded default; PostgreSQL (``postgresql+psycopg://``) the
scale-out backend. ``Store.open(url)`` applies the packaged migrations.
"""

from __future__ import annotations

from premiere.store import changelog as _changelog  # noqa: F401  (its tables on Base)
from premiere.store import communication as _communication  # noqa: F401  (its tables on Base)
from premiere.store import deployments as _deployments  # noqa: F401  (its tables on Base)
from premiere.store import incidents as _incidents  # noqa: F401  (its tables on Base)
from premiere.store import outbox as _outbox  # noqa: F401  (its tables on Base)
from premiere.store import people as _people  # noqa: F401  (its tables on Base)
from premiere.store import releases as _releases  # noqa: F401  (its tables on Base)
from premiere.store.database import Store, lock_for_update, normalize_url

__all__ = ["Store", "lock_for_update", "normalize_url"]
