from __future__ import annotations

import pytest

from premiere.services import Actor
from premiere.services.environments import create_environment
from premiere.services.projects import create_project
from premiere.store import Store


@pytest.fixture
def project(store: Store, actor: Actor) -> str:
    """Project ``demo`` with environments ``staging`` and ``production``."""
    create_project(store, actor, {"key": "demo"})
    for key in ("staging", "production"):
        create_environment(store, actor, "demo", {"key": key})
    return "demo"
