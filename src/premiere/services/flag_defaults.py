"""The configuration a flag starts with in an environment."""

from __future__ import annotations

from typing import Any


def default_config(
    variation_count: int, *, on_variation: int = 0, off_variation: int | None = None
) -> dict[str, Any]:
    """Off, serving ``off_variation`` (the last variation unless given); when turned on,
    everyone falls through to ``on_variation``."""
    return {
        "on": False,
        "off_variation": variation_count - 1 if off_variation is None else off_variation,
        "prerequisites": [],
        "targets": [],
        "rules": [],
        "fallthrough": {"variation": on_variation},
    }
