from __future__ import annotations

from typing import Any

import pytest


def boolean_flag(**overrides: Any) -> dict[str, Any]:
    """A valid boolean flag, on, serving true by fallthrough; overrides replace fields."""
    flag: dict[str, Any] = {
        "key": "f",
        "kind": "boolean",
        "salt": "s",
        "on": True,
        "off_variation": 1,
        "variations": [{"value": True}, {"value": False}],
        "prerequisites": [],
        "targets": [],
        "rules": [],
        "fallthrough": {"variation": 0},
    }
    flag.update(overrides)
    return flag


@pytest.fixture
def flag() -> dict[str, Any]:
    return boolean_flag()
