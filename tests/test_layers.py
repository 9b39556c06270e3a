"""Imports point inward: transports -> services -> store/engine; sdk -> engine.

Parses every module under src/premiere with ``ast`` and checks each ``premiere.*``
import against the layer it is allowed to reach.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "premiere"

# package -> the premiere packages it may import (besides itself)
LEAVES = {"errors", "settings"}
ALLOWED: dict[str, set[str]] = {
    "engine": {"errors"},
    "store": {"errors", "settings"},
    "services": {"store", "engine", "errors", "settings"},
    "api": {"services", "engine", "errors", "settings", "store"},
    "web": {"services", "engine", "errors", "settings", "store"},
    "cli": {"services", "engine", "errors", "settings", "store", "api", "web", "scheduler"},
    "scheduler": {"services", "engine", "errors", "settings", "store"},
    "sdk": {"engine", "errors"},
}


def _layer_of(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 else Path(rel[0]).stem


def _premiere_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] == "premiere"]
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_layers__module_imports__point_inward(path: Path) -> None:
    layer = _layer_of(path)
    allowed = ALLOWED.get(layer)
    if allowed is None:
        assert layer in LEAVES | {"__init__"}, f"{layer} is not a known layer"
        allowed = set() if layer == "errors" else {"errors"}
    for lineno, name in _premiere_imports(path):
        parts = name.split(".")
        target = parts[1] if len(parts) > 1 else "__init__"
        if target in (layer, "__init__"):
            continue
        assert target in allowed, (
            f"{path.relative_to(SRC)}:{lineno} imports premiere.{target}; "
            f"the {layer} layer may only import {sorted(allowed) or 'nothing'}"
        )


def test_layers__engine__imports_no_third_party_but_mmh3_and_re2() -> None:
    stdlib = set(__import__("sys").stdlib_module_names)
    for path in (SRC / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                assert top in stdlib | {"mmh3", "re2", "premiere"}, f"{path.name} imports {top}"
