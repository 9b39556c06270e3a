from __future__ import annotations

from typing import Any

import pytest

from premiere.engine import parse_date_ms, parse_semver, value_fits_kind

ORDERED = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2",
    "1.10.0",
    "2",
]


def test_parse_semver__semver_spec_examples__sort_by_precedence() -> None:
    keys = [parse_semver(v) for v in ORDERED]

    assert all(k is not None for k in keys)
    assert keys == sorted(keys)  # type: ignore[type-var]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    ("a", "b"),
    [("1.2", "1.2.0"), ("1", "1.0.0"), ("1.2.3+build", "1.2.3"), ("1.0.0-rc.1+x", "1.0.0-rc.1")],
)
def test_parse_semver__lenient_and_build__equal_precedence(a: str, b: str) -> None:
    assert parse_semver(a) == parse_semver(b)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v1.2.3",
        "01.2.3",
        "1.02.3",
        "1.2.3-01",
        "1.2.3.4",
        "1..2",
        "1.2.3-",
        "1.2.3+",
        "a.b.c",
        "1.2.3-beta..1",
        " 1.2.3",
        "1.2.3\n",
        "1" * 300,
    ],
)
def test_parse_semver__invalid__none(text: str) -> None:
    assert parse_semver(text) is None


def test_parse_semver__not_a_string__none() -> None:
    assert parse_semver(1) is None


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-01-01T00:00:00Z", 1767225600000.0),
        ("2026-01-01T01:00:00+01:00", 1767225600000.0),
        ("2025-12-31T23:30:00-00:30", 1767225600000.0),
        ("2026-01-01 00:00:00.5z", 1767225600500.0),
        ("2026-01-01T00:00:00.123456789Z", 1767225600123.456),
        ("1969-12-31T23:59:59Z", -1000.0),
        (1767225600000, 1767225600000.0),
        (1.5, 1.5),
    ],
)
def test_parse_date_ms__valid__milliseconds(text: Any, ms: float) -> None:
    assert parse_date_ms(text) == pytest.approx(ms)


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01",
        "2026-01-01T00:00:00",
        "2026-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:60Z",
        "2026-01-01T00:00:00+24:00",
        "0000-01-01T00:00:00Z",
        "now",
        True,
        None,
        float("inf"),
        [1],
    ],
)
def test_parse_date_ms__invalid__none(text: Any) -> None:
    assert parse_date_ms(text) is None


@pytest.mark.parametrize(
    ("value", "kind", "fits"),
    [
        (True, "boolean", True),
        (1, "boolean", False),
        ("x", "string", True),
        (1, "number", True),
        (1.5, "number", True),
        (True, "number", False),
        (float("nan"), "number", False),
        (None, "json", True),
        ({"a": [1, "b"]}, "json", True),
        ({1: "a"}, "json", False),
        ("x", "other", False),
    ],
)
def test_value_fits_kind__examples__as_expected(value: Any, kind: str, fits: bool) -> None:
    assert value_fits_kind(value, kind) is fits
