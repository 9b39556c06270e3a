"""Imports point inward: transports -> services -> store/engine; sdk -> engine.

The rule is the table of allowed imports in ``docs/architecture.md``: this test reads
it from there and checks every ``premiere.*`` import of every module (parsed with
``ast``) against it. The same page lists the domains each layer is grouped by.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "premiere"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
GROUPED = ("services", "api", "cli", "console")  # the layers grouped by domain
MAX_LINES = 400
MAX_TOP_MODULES = 12


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table under ``heading`` in docs/architecture.md."""
    lines = ARCHITECTURE.read_text(encoding="utf-8").split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in lines[start + 2 : end]]


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", cell))


ALLOWED: dict[str, set[str]] = {
    next(iter(_names(layer))): _names(imports)
    for layer, imports in _table("## Layers and the imports they may make")
}
DOMAIN_ROWS = _table("## Domains")
DOMAINS = {next(iter(_names(row[0]))) for row in DOMAIN_ROWS}


def test_layers__architecture_table__names_every_layer_once() -> None:
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py")} - {"__init__"}
    assert set(ALLOWED) >= packages | modules, "docs/architecture.md misses a layer"
    assert set(ALLOWED) - {"console"} <= packages | modules, "a layer in the doc does not exist"


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
    if layer == "__init__":
        assert not _premiere_imports(path), "the package root imports no layer"
        return
    assert layer in ALLOWED, f"{layer} is not a layer of docs/architecture.md"
    allowed = ALLOWED[layer]
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


SIZED = sorted(
    p
    for folder in (SRC, ROOT / "tests", ROOT / "benchmarks")
    for p in folder.rglob("*.py")
    if "migrations" not in p.parts
)  # every module of the package, the tests and the benchmarks


@pytest.mark.parametrize("path", SIZED, ids=lambda p: str(p.relative_to(ROOT)))
def test_layers__module__has_at_most_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by concern"


@pytest.mark.parametrize("layer", GROUPED)
def test_layers__grouped_layer__has_at_most_a_dozen_modules_at_its_top(layer: str) -> None:
    top = sorted(p.name for p in (SRC / layer).glob("*.py") if not p.name.startswith("__"))
    assert len(top) <= MAX_TOP_MODULES, f"{layer}/ has {len(top)} modules at its top: {top}"


@pytest.mark.parametrize("layer", GROUPED)
def test_layers__grouped_layer__subpackages_are_domains_of_the_doc(layer: str) -> None:
    packages = {p.parent.name for p in (SRC / layer).glob("*/__init__.py")}
    assert packages <= DOMAINS, f"{layer}/ has {sorted(packages - DOMAINS)}, not in the doc"
    for package in packages:
        names = [p.stem for p in (SRC / layer / package).glob("*.py")]
        prefixed = [n for n in names if n.startswith(package.rstrip("s") + "_")]
        assert not prefixed, f"{layer}/{package}/ modules repeat the domain: {prefixed}"


@pytest.mark.parametrize("layer", GROUPED)
def test_layers__domain_table__lists_every_module_of_each_domain(layer: str) -> None:
    column = GROUPED.index(layer) + 2  # domain | what it holds | services | api | cli | console
    for row in DOMAIN_ROWS:
        domain = next(iter(_names(row[0])))
        found = {p.stem for p in (SRC / layer / domain).glob("*.py") if p.stem != "__init__"}
        listed = _names(row[column])
        assert listed == found, f"docs/architecture.md, {layer}/{domain}/ lists {sorted(listed)}"
