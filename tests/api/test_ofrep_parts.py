"""OFREP without a server: the rate limiter, which flags read the targeting key, and
docs/ofrep.md against the code."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.api.sdk.ofrep import OfrepSettings, RateLimiter
from premiere.engine import reads_targeting_key
from premiere.errors import RateLimitedError


def test_rate_limiter__refills_at_the_rate() -> None:
    limiter = RateLimiter(rate_per_second=10, burst=1)
    limiter.check("t", now=0.0)
    with pytest.raises(RateLimitedError):
        limiter.check("t", now=0.05)
    limiter.check("t", now=0.2)


@pytest.mark.parametrize(
    ("flag", "reads"),
    [
        ({"on": True, "targets": [{"variation": 0, "values": ["a"]}]}, True),
        ({"on": False, "targets": [{"variation": 0, "values": ["a"]}]}, False),
        ({"on": True, "fallthrough": {"rollout": {"variations": []}}}, True),
        ({"on": True, "fallthrough": {"rollout": {"bucket_by": "org", "variations": []}}}, False),
        ({"on": True, "rules": [{"clauses": [{"attribute": "key", "op": "in"}]}]}, True),
        ({"on": True, "rules": [{"clauses": [{"attribute": "plan", "op": "in"}]}]}, False),
        ({"on": True, "fallthrough": {"variation": 0}}, False),
    ],
)
def test_reads_targeting_key__flag_shapes(flag: dict[str, Any], reads: bool) -> None:
    assert reads_targeting_key(flag) is reads


def test_ofrep_md__error_codes_and_limits__as_the_code_has_them() -> None:
    from pathlib import Path

    from premiere.api.sdk import answers as module

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ofrep.md").read_text()
    for code in (
        "PARSE_ERROR",
        "INVALID_CONTEXT",
        "TARGETING_KEY_MISSING",
        "GENERAL",
        "FLAG_NOT_FOUND",
    ):
        assert getattr(module, code) == code
        assert f'"errorCode": "{code}"' in doc
    defaults = OfrepSettings()
    assert f"{defaults.rate_per_second:,.0f} requests a second" in doc
    assert f"bursts of up to {defaults.burst:,}" in doc
    for path in ("POST /ofrep/v1/evaluate/flags/{key}", "POST /ofrep/v1/evaluate/flags"):
        assert path in doc


@pytest.mark.parametrize(
    "body",
    [
        b'{"context": {"targetingKey": "\\ud800"}}',  # an escape in ASCII
        '{"context": {"targetingKey": "\\ud800"}}'.encode("utf-16-le"),  # NUL bytes
        b'{"context": {"targetingKey": "\xed\xa0\x80"}}',  # a raw surrogate, not ASCII
    ],
)
def test_body_context__lone_surrogate_however_sent__invalid_context(body: bytes) -> None:
    from premiere.api.sdk.answers import OfrepError, body_context

    with pytest.raises(OfrepError) as raised:
        body_context(body)

    assert raised.value.code == "INVALID_CONTEXT"
