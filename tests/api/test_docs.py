"""docs/errors.md and docs/api.md stay in step with the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from premiere import errors
from premiere.api import errors as api_errors
from premiere.api import params, versions
from premiere.engine import validation as engine_validation

ROOT = Path(__file__).resolve().parents[2]
ERRORS_MD = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
API_MD = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
TRANSPORT_CODES = {
    api_errors.METHOD_NOT_ALLOWED,
    api_errors.INTERNAL_ERROR,
    "http_error",
}


def _documented_statuses() -> dict[str, str]:
    """``| `code` | 409 | ...`` rows of the codes table -> code: status."""
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}|4xx) \|", ERRORS_MD, flags=re.MULTILINE)
    return dict(rows)


def _documented_rules() -> set[str]:
    section = ERRORS_MD.split("## Validation rules", 1)[1]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def _rules_in_source() -> set[str]:
    """Rule names given as literals to ``Violation(field, rule, ...)``, ``.add`` and ``.single``."""
    src = ROOT / "src" / "premiere"
    found: set[str] = set()
    for path in [
        *src.glob("engine/**/*.py"),
        *src.glob("services/**/*.py"),
        *src.glob("api/**/*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            rule = node.args[1]
            literal = isinstance(rule, ast.Constant) and isinstance(rule.value, str)
            if name in {"Violation", "add", "single"} and literal:
                found.add(str(rule.value))  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("cls", errors.all_error_classes(), ids=lambda c: c.code)
def test_errors_md__every_error_code__documented_with_its_status(
    cls: type[errors.PremiereError],
) -> None:
    documented = _documented_statuses()
    assert cls.code in documented, f"docs/errors.md does not list {cls.code!r}"
    expected = api_errors.STATUS_BY_CODE.get(cls.code, 500)
    assert documented[cls.code] == str(expected)


def test_errors_md__transport_codes__documented() -> None:
    assert set(_documented_statuses()) >= TRANSPORT_CODES


def test_errors_md__documents_nothing_that_does_not_exist() -> None:
    known = {cls.code for cls in errors.all_error_classes()} | TRANSPORT_CODES
    assert set(_documented_statuses()) <= known


def test_errors_md__every_validation_rule__documented() -> None:
    used = (
        _rules_in_source()
        | set(engine_validation.RULE_NAMES)
        | set(api_errors.RULE_NAMES)
        | {params.RULE}
    )
    missing = used - _documented_rules()
    assert not missing, f"docs/errors.md does not explain the rules {sorted(missing)}"


def test_api_md__every_route__documented(api_paths: list[tuple[str, str]]) -> None:
    for method, path in api_paths:
        assert f"{method} {path}" in API_MD, f"docs/api.md does not document {method} {path}"


def test_versions__if_match_forms_in_docs__parse() -> None:
    assert '`If-Match: "3"` (also accepted: `W/"3"` and a bare `3`)' in API_MD
    for form in ('"3"', 'W/"3"', "3"):
        assert versions.parse_if_match(form) == 3


@pytest.fixture
def api_paths() -> list[tuple[str, str]]:
    from premiere.api import create_app
    from premiere.settings import Settings

    spec = create_app(Settings()).openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    ]
