"""The OpenFeature provider, through OpenFeature's own API (openfeature.api): evaluation.

Offline clients from a bootstrap document: every flag kind, reasons, variants, errors,
contexts, and the provider's own contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("openfeature")

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagEvaluationDetails, Reason

from premiere.sdk import Client
from premiere.sdk.openfeature import PremiereProvider, to_context

from .openfeature_support import ctx, of_client, offline
from .support import make_document, number_flag, string_flag

pytestmark = pytest.mark.usefixtures("openfeature_reset")


# -- evaluation -------------------------------------------------------------------------


def test_boolean__rule_match__targeting_match_with_rule_metadata() -> None:
    client = of_client()

    details = client.get_boolean_details("checkout", False, ctx(plan="enterprise"))

    assert (details.value, details.variant, details.reason) == (True, "on", "TARGETING_MATCH")
    assert details.error_code is None
    assert dict(details.flag_metadata) == {
        "reason_kind": "RULE_MATCH",
        "flag_version": 1,
        "variation_index": 0,
        "rule_id": "enterprise",
        "rule_index": 0,
    }


def test_boolean__rollout__split_and_same_answer_as_the_client() -> None:
    client = of_client()
    local = Client(offline())

    for i in range(200):
        details = client.get_boolean_details("checkout", False, ctx(f"user-{i}", plan="free"))
        assert details.reason == Reason.SPLIT
        assert details.value is local.bool_variation("checkout", {"key": f"user-{i}"}, False)
        assert details.flag_metadata["in_rollout"] is True


@pytest.mark.parametrize(
    ("flag", "context", "value", "reason"),
    [
        ("static", ctx(), True, "STATIC"),
        ("off", ctx(), False, "DISABLED"),
        ("gated", ctx(), False, "DISABLED"),
        ("targeted", ctx("vip"), True, "TARGETING_MATCH"),
        ("targeted", ctx("someone"), False, "DEFAULT"),
    ],
)
def test_boolean__reason__mapped(
    flag: str, context: EvaluationContext, value: bool, reason: str
) -> None:
    details = of_client().get_boolean_details(flag, not value, context)

    assert (details.value, details.reason, details.error_code) == (value, reason, None)


def test_boolean__prerequisite_failed__metadata_names_it() -> None:
    details = of_client().get_boolean_details("gated", True, ctx())

    assert details.flag_metadata["prerequisite_key"] == "off"
    assert details.flag_metadata["reason_kind"] == "PREREQUISITE_FAILED"


def test_string__named_variation__variant_is_the_name() -> None:
    details = of_client().get_string_details("color", "none", ctx())

    assert (details.value, details.variant, details.reason) == ("blue", "cold", "STATIC")


def test_string__unnamed_variation__variant_is_the_index() -> None:
    doc = make_document(1, s=string_flag("s", ["x", "y"], serve=1))

    details = of_client(doc).get_string_details("s", "none", ctx())

    assert (details.value, details.variant) == ("y", "1")


def test_integer__integral_number__int() -> None:
    details = of_client().get_integer_details("limit", 0, ctx())

    assert details.value == 10 and type(details.value) is int


def test_integer__fractional_number__type_mismatch() -> None:
    doc = make_document(1, limit=number_flag("limit", [10, 2.5], serve=1))

    details = of_client(doc).get_integer_details("limit", 7, ctx())

    assert (details.value, details.error_code) == (7, ErrorCode.TYPE_MISMATCH)


def test_float__integer_variation__converted_to_float() -> None:
    doc = make_document(1, ratio=number_flag("ratio", [0.25, 1], serve=1))

    details = of_client(doc).get_float_details("ratio", 0.0, ctx())

    assert details.value == 1.0 and type(details.value) is float
    assert details.error_code is None


def test_object__json_object__served() -> None:
    details = of_client().get_object_details("layout", {}, ctx())

    assert details.value == {"columns": 2}
    assert details.reason == "STATIC"


def test_object__json_scalar__type_mismatch_with_default() -> None:
    details = of_client().get_object_details("scalar", {"d": 1}, ctx())

    assert (details.value, details.error_code) == ({"d": 1}, ErrorCode.TYPE_MISMATCH)


@pytest.mark.parametrize(
    ("method", "flag", "default", "code", "ours"),
    [
        ("get_boolean_details", "missing", False, ErrorCode.FLAG_NOT_FOUND, "FLAG_NOT_FOUND"),
        ("get_boolean_details", "color", False, ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_string_details", "checkout", "d", ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_float_details", "color", 1.5, ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_integer_details", "static", 3, ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_object_details", "static", [], ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_boolean_details", "broken", False, ErrorCode.PARSE_ERROR, "MALFORMED_FLAG"),
        ("get_boolean_details", "loop", False, ErrorCode.GENERAL, "PREREQUISITE_CYCLE"),
    ],
)
def test_errors__mapped__default_with_error_reason(
    method: str, flag: str, default: Any, code: ErrorCode, ours: str
) -> None:
    details: FlagEvaluationDetails[Any] = getattr(of_client(), method)(flag, default, ctx())

    assert (details.value, details.reason, details.error_code) == (default, "ERROR", code)
    assert details.flag_metadata["error_code"] == ours
    assert details.error_message is not None and details.error_message.startswith(ours)


def test_context__targeting_key_and_attributes__as_the_engine_sees_them() -> None:
    signup = datetime(2026, 3, 1, tzinfo=UTC)
    context = EvaluationContext(
        "user-1",
        {"plan": "pro", "key": "ignored", "tags": ("a", "b"), "org": {"since": signup}},
    )

    assert to_context(context) == {
        "plan": "pro",
        "key": "user-1",
        "tags": ["a", "b"],
        "org": {"since": int(signup.timestamp() * 1000)},
    }
    assert to_context(EvaluationContext(None, {"key": 42})) == {"key": 42}
    assert to_context(None) == {}


def test_context__datetime_attribute__compared_by_date_operators() -> None:
    client = of_client()

    late = client.get_boolean_details("targeted", False, ctx("u", signup=datetime(2026, 2, 1)))
    early = client.get_boolean_details(
        "targeted", True, ctx("u", signup=datetime(2025, 2, 1, tzinfo=UTC))
    )

    assert (late.value, late.reason) == (True, "TARGETING_MATCH")
    assert (early.value, early.reason) == (False, "DEFAULT")


def test_context__none_given__evaluated_without_key() -> None:
    details = of_client().get_boolean_details("static", False)

    assert (details.value, details.reason) == (True, "STATIC")


def test_resolve__junk_arguments__never_raises() -> None:
    provider = PremiereProvider(offline())
    provider.initialize(EvaluationContext())

    junk_context: Any = object()
    r1 = provider.resolve_boolean_details("static", False, junk_context)
    r2 = provider.resolve_string_details(123, "d", None)  # type: ignore[arg-type]
    r3 = provider.resolve_object_details("layout", {}, EvaluationContext("u", {"x": {1, 2}}))  # type: ignore[dict-item]

    assert (r1.value, r1.error_code) == (False, ErrorCode.GENERAL)
    assert (r2.value, r2.error_code) == ("d", ErrorCode.FLAG_NOT_FOUND)
    assert r3.value == {"columns": 2}
    provider.shutdown()


def test_resolve__before_initialize__provider_not_ready() -> None:
    provider = PremiereProvider(offline())

    details = provider.resolve_boolean_details("static", False, ctx())

    assert (details.value, details.error_code) == (False, ErrorCode.PROVIDER_NOT_READY)
    assert provider.client is None


def test_provider__config_and_client_both_or_neither__refused() -> None:
    with pytest.raises(ValueError):
        PremiereProvider()
    with pytest.raises(ValueError):
        PremiereProvider(offline(), client=Client(offline()))


def test_provider__metadata__named_premiere() -> None:
    of_client()

    assert api.get_provider_metadata().name == "Premiere"
