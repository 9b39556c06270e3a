"""docs/openfeature.md: its error-code and reason tables, as the provider maps them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("openfeature")

from openfeature.flag_evaluation import Reason

from premiere.engine import ERROR_CODES
from premiere.sdk.evaluation import error_result
from premiere.sdk.openfeature import _error_details

# -- docs ---------------------------------------------------------------------------------

DOC = (Path(__file__).resolve().parents[2] / "docs" / "openfeature.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", [*ERROR_CODES, "CLIENT_NOT_READY"])
def test_docs__error_code__mapped_as_the_provider_maps_it(code: str) -> None:
    details = _error_details(error_result("d", code))

    assert f"| `{code}`" in DOC
    line = next(x for x in DOC.splitlines() if x.startswith(f"| `{code}`"))
    assert line.endswith(f"| `{details.error_code}` |")


SERVED_REASONS = [r.value for r in Reason if r.value not in ("CACHED", "STALE", "UNKNOWN")]


@pytest.mark.parametrize("reason", SERVED_REASONS)
def test_docs__reason__in_the_table(reason: str) -> None:
    assert f"| `{reason}` |" in DOC
