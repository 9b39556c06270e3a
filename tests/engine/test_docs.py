"""docs/evaluation.md lists exactly the codes and rule names the engine uses."""

from __future__ import annotations

import re
from pathlib import Path

from premiere.engine import ERROR_CODES, OPERATORS, REASON_KINDS, RULE_NAMES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "evaluation.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    start = DOC.index(heading)
    end = DOC.find("\n#", start + len(heading))
    return DOC[start : end if end != -1 else None]


def _first_column(text: str) -> list[str]:
    return re.findall(r"^\| `([A-Za-z_]+)` \|", text, flags=re.MULTILINE)


def test_evaluation_doc__validation_rules__match_rule_names() -> None:
    assert _first_column(_section("## Malformed flags and validation")) == list(RULE_NAMES)


def test_evaluation_doc__error_codes__match_engine() -> None:
    assert _first_column(_section("### Error codes")) == list(ERROR_CODES)


def test_evaluation_doc__operators__all_documented() -> None:
    rows = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", _section("## Clauses"), re.MULTILINE)
    documented = [op for row in rows for op in re.findall(r"`([a-z_]+)`", row)]
    assert sorted(documented) == sorted(OPERATORS)


def test_evaluation_doc__reason_kinds__all_documented() -> None:
    assert all(f"`{kind}`" in _section("## The result") for kind in REASON_KINDS)
