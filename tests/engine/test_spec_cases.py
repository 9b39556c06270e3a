"""Every language-neutral case in spec/cases/ (format: spec/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from premiere.engine import compile_document, evaluate, openfeature_reason

CASES_DIR = Path(__file__).resolve().parents[2] / "spec" / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for case in body["cases"]:
            document = (
                case.get("document", body["document"]) if "document" in case else body["document"]
            )
            params.append(pytest.param(document, case, id=f"{path.stem}: {case['name']}"))
    return params


CASES = _load()


def test_spec_cases__enough_cases__at_least_150() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize(("document", "case"), CASES)
def test_spec_case__evaluated__gives_expected_result(document: Any, case: dict[str, Any]) -> None:
    compiled = compile_document(document)

    result = evaluate(
        compiled,
        case["flag"],
        case["context"],
        case.get("default"),
        expected_kind=case.get("expected_kind"),
    )

    assert result.to_dict() == case["expected"]
    if "openfeature_reason" in case:
        assert openfeature_reason(result) == case["openfeature_reason"]
