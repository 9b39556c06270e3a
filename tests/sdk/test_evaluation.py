"""Evaluation through the client: typed forms, details, errors, context enrichment."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from typing import Any

import pytest

from premiere.sdk import Client, Config

from .support import boolean_flag, make_document, number_flag, rule_rollout_flag, string_flag


def offline(*flags: dict[str, Any], **kw: Any) -> Client:
    doc = make_document(1, **{f["key"]: f for f in flags})
    return Client(Config(offline=True, bootstrap=doc, **kw))


@pytest.fixture
def client() -> Client:
    json_flag = boolean_flag("settings")
    json_flag["kind"] = "json"
    json_flag["variations"] = [{"value": {"limit": 3}}, {"value": [1, 2]}]
    return offline(
        boolean_flag("on"),
        string_flag("color", ["green", "red"]),
        number_flag("limit", [10, 2.5]),
        number_flag("ratio", [2.5, 1]),
        json_flag,
        rule_rollout_flag(),
    )


def test_typed_variations__matching_kinds__served_values(client: Client) -> None:
    ctx = {"key": "u1"}
    assert client.bool_variation("on", ctx, False) is True
    assert client.string_variation("color", ctx, "x") == "green"
    assert client.int_variation("limit", ctx, 0) == 10
    assert client.float_variation("ratio", ctx, 0.0) == 2.5
    assert client.float_variation("limit", ctx, 0.0) == 10.0
    assert client.json_variation("settings", ctx, None) == {"limit": 3}
    assert client.variation("color", ctx) == "green"


@pytest.mark.parametrize(
    ("method", "key", "default"),
    [
        ("bool_variation", "color", False),
        ("string_variation", "on", "x"),
        ("int_variation", "ratio", 7),
        ("int_variation", "on", 7),
        ("float_variation", "on", 1.5),
        ("bool_variation", "limit", True),
    ],
)
def test_typed_variations__other_kind__default_with_type_mismatch(
    client: Client, method: str, key: str, default: Any
) -> None:
    assert getattr(client, method)(key, {"key": "u1"}, default) == default


def test_variation_detail__rule_and_rollout__reason_and_index(client: Client) -> None:
    detail = client.variation_detail("new-checkout", {"key": "u1", "plan": "enterprise"}, False)
    assert (detail.value, detail.variation_index, detail.reason, detail.rule_id) == (
        True,
        0,
        "RULE_MATCH",
        "enterprise",
    )
    detail = client.variation_detail("new-checkout", {"key": "u1", "plan": "free"}, None)
    assert detail.reason == "FALLTHROUGH" and detail.in_rollout
    assert detail.value is (detail.variation_index == 0)
    assert detail.error_code is None


def test_rollout__many_users__about_a_quarter_plus_enterprise(client: Client) -> None:
    users = [
        {"key": f"user-{i}", "plan": "enterprise" if i % 10 == 0 else "free"} for i in range(20000)
    ]
    share = sum(client.variation("new-checkout", u, False) for u in users) / len(users)
    assert 0.31 < share < 0.34


JUNK: list[Any] = [
    None,
    42,
    "user-1",
    ["key", "u"],
    {"key": object()},
    {1: 2},
    OrderedDict(key="u"),
]


@pytest.mark.parametrize(
    "context", JUNK, ids=lambda junk: re.sub(" at 0x[0-9a-f]+", "", repr(junk))
)
def test_evaluation__junk_context__never_raises(client: Client, context: Any) -> None:
    for method in ("variation", "bool_variation", "variation_detail", "json_variation"):
        result = getattr(client, method)("on", context, False)
        value = result.value if method == "variation_detail" else result
        assert value in (True, False)
    assert isinstance(client.all_flags(context), dict)


def test_evaluation__not_a_mapping__default_with_invalid_context(client: Client) -> None:
    detail = client.variation_detail("on", ["key", "u"], "d")  # type: ignore[arg-type]
    assert (detail.value, detail.reason, detail.error_code) == ("d", "ERROR", "INVALID_CONTEXT")
    assert client.variation("on", OrderedDict(key="u"), False) is True


@pytest.mark.parametrize("key", ["missing", None, 3, ["on"], ""])
def test_evaluation__unknown_or_junk_key__default_with_flag_not_found(
    client: Client, key: Any
) -> None:
    detail = client.variation_detail(key, {"key": "u"}, "d")
    assert (detail.value, detail.reason, detail.error_code) == ("d", "ERROR", "FLAG_NOT_FOUND")
    assert client.variation(key, {"key": "u"}, "d") == "d"
    assert client.bool_variation(key, {"key": "u"}, True) is True


def test_evaluation__malformed_flag__default_with_error(client: Client) -> None:
    bad = boolean_flag("bad")
    bad["variations"] = "nope"
    with offline(bad) as c:
        assert c.variation_detail("bad", {"key": "u"}, 1).error_code == "MALFORMED_FLAG"


def test_evaluation__errors__logged_once_per_flag_and_code(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="premiere.sdk")
    for _ in range(5):
        client.variation("missing", {"key": "u"}, False)
        client.bool_variation("color", {"key": "u"}, False)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("FLAG_NOT_FOUND" in m for m in messages) == 1
    assert sum("TYPE_MISMATCH" in m for m in messages) == 1


def test_all_flags__every_flag_value(client: Client) -> None:
    values = client.all_flags({"key": "u1", "plan": "enterprise"})
    assert values["on"] is True and values["new-checkout"] is True
    assert values["color"] == "green" and len(values) == 6


def test_context__service_attributes__merged_when_rules_read_them() -> None:
    flag = boolean_flag(
        "svc",
        serve=1,
        rules=[
            {
                "id": "api",
                "clauses": [
                    {
                        "attribute": "premiere.service",
                        "op": "in",
                        "values": ["api"],
                        "negate": False,
                    },
                    {
                        "attribute": "premiere.service_version",
                        "op": "semver_gte",
                        "values": ["2.0.0"],
                        "negate": False,
                    },
                ],
                "serve": {"variation": 0},
            }
        ],
    )
    with offline(flag, service_name="api", service_version="2.1.0") as c:
        assert c.variation("svc", {"key": "u"}, None) is True
        assert c.variation("svc", {"key": "u", "premiere.service": "web"}, None) is False
    with offline(flag, service_name="worker") as c:
        assert c.variation("svc", {"key": "u"}, None) is False


def test_context__now__filled_in_as_unix_ms_when_absent() -> None:
    launch = int(time.time() * 1000) - 60_000
    flag = boolean_flag(
        "launched",
        serve=1,
        rules=[
            {
                "id": "after",
                "clauses": [
                    {"attribute": "now", "op": "after", "values": [launch], "negate": False}
                ],
                "serve": {"variation": 0},
            }
        ],
    )
    with offline(flag) as c:
        assert c.variation("launched", {"key": "u"}, None) is True
        assert c.variation("launched", {"key": "u", "now": launch - 1}, None) is False
    with offline(flag, fill_now=False) as c:
        assert c.variation("launched", {"key": "u"}, None) is False


def test_context__caller_dict__not_modified() -> None:
    flag = boolean_flag(
        "f",
        rules=[
            {
                "id": "n",
                "clauses": [{"attribute": "now", "op": "after", "values": [0], "negate": False}],
                "serve": {"variation": 0},
            }
        ],
    )
    ctx = {"key": "u"}
    with offline(flag, service_name="api") as c:
        c.variation("f", ctx, None)
    assert ctx == {"key": "u"}


def test_evaluation__many_threads_during_updates__consistent_answers() -> None:
    errors: list[BaseException] = []
    with offline(boolean_flag("a"), rule_rollout_flag()) as c:

        def work() -> None:
            try:
                for i in range(2000):
                    assert c.variation("a", {"key": f"u{i}"}, None) in (True, False)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for v in range(2, 30):
            c._holder.put_document(make_document(v, a=boolean_flag("a", serve=v % 2)), "server")
        for t in threads:
            t.join()
    assert errors == []


@pytest.mark.parametrize(
    "method",
    ["bool_variation", "string_variation", "int_variation", "float_variation", "json_variation"],
)
@pytest.mark.parametrize("default", [None, "x", 3, [1]])
def test_typed_variations__any_default__returned_as_given_on_error(
    client: Client, method: str, default: Any
) -> None:
    assert getattr(client, method)("missing", {"key": "u"}, default) == default
    assert getattr(client, method)("on", None, default) == default


def test_typed_variations__off_without_off_variation__caller_default(client: Client) -> None:
    flag = number_flag("n", [1.5, 2.5])
    flag["on"] = False
    flag["off_variation"] = None
    with offline(flag) as c:
        assert c.float_variation("n", {"key": "u"}, 7) == 7.0
        assert c.string_variation("n", {"key": "u"}, "d") == "d"


def test_context__attributes_read_through_prerequisite_and_segment__filled_in() -> None:
    api_only = boolean_flag(
        "api-only",
        serve=1,
        rules=[
            {
                "id": "api",
                "clauses": [
                    {
                        "attribute": "premiere.service",
                        "op": "in",
                        "values": ["api"],
                        "negate": False,
                    }
                ],
                "serve": {"variation": 0},
            }
        ],
    )
    dependent = boolean_flag("dependent", prerequisites=[{"key": "api-only", "variation": 0}])
    launched = boolean_flag(
        "launched",
        serve=1,
        rules=[
            {
                "id": "seg",
                "clauses": [
                    {
                        "attribute": "key",
                        "op": "segment_match",
                        "values": ["after-launch"],
                        "negate": False,
                    }
                ],
                "serve": {"variation": 0},
            }
        ],
    )
    doc = make_document(1, a=api_only, d=dependent, l=launched, plain=boolean_flag("plain"))
    doc["segments"] = {
        "after-launch": {
            "key": "after-launch",
            "version": 1,
            "included": [],
            "excluded": [],
            "rules": [
                {
                    "id": "t",
                    "clauses": [
                        {"attribute": "now", "op": "after", "values": [0], "negate": False}
                    ],
                }
            ],
        }
    }
    with Client(Config(offline=True, bootstrap=doc, service_name="api")) as c:
        assert c.variation("dependent", {"key": "u"}, None) is True
        assert c.bool_variation("dependent", {"key": "u"}, False) is True
        assert c.variation("launched", {"key": "u"}, None) is True
        assert c.all_flags({"key": "u"}) == {
            "api-only": True,
            "dependent": True,
            "launched": True,
            "plain": True,
        }
        snap = c._holder.current
        assert snap is not None
        assert snap.needs_service == {"api-only", "dependent"}
        assert snap.needs_now == {"launched"}
        assert set(snap.runners) == {"plain"}
