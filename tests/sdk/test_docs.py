"""docs/sdk.md keeps up with the code: every Config field and every client method."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from premiere.sdk import AsyncClient, Client, Config, DataSourceState, Status

DOC = (Path(__file__).resolve().parents[2] / "docs" / "sdk.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Config)])
def test_docs__config_field__in_the_table(name: str) -> None:
    assert f"| `{name}` |" in DOC


@pytest.mark.parametrize(
    "name",
    sorted(
        {n for n, _ in inspect.getmembers(Client, inspect.isfunction) if not n.startswith("_")}
        | {n for n, _ in inspect.getmembers(AsyncClient) if not n.startswith("_")}
    ),
)
def test_docs__public_method__mentioned(name: str) -> None:
    assert f"`{name}" in DOC or f".{name}" in DOC


@pytest.mark.parametrize(
    "name", [s.value for s in DataSourceState] + [f.name for f in dataclasses.fields(Status)]
)
def test_docs__status_words__explained(name: str) -> None:
    assert f"`{name}`" in DOC
