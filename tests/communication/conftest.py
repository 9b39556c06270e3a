"""Fixtures: the releases' project ``demo`` (flags ``checkout`` and ``banner``,
segment ``staff``) and a release ``new-checkout`` whose plan goes staff, 5 %, 50 %,
100 %, with the code it needs deployed."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.services.releases import records as releases
from premiere.store import Store
from tests.releases.conftest import CREATOR, demo, deploy, release_data

__all__ = ["demo", "release"]


@pytest.fixture
def release(store: Store, demo: str) -> dict[str, Any]:
    deploy(store, features=["checkout"])
    return releases.create_release(store, CREATOR, demo, release_data())
