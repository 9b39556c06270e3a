"""SDK events: POST /api/v1/sdk/events adds to per-minute counts; the admin endpoint and
the service queries read them back; validation and auth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from premiere.services.sdk import events as event_service

from .support import Api

EVENTS = "/api/v1/sdk/events"
COUNTS = "/api/v1/projects/demo/environments/production/events"


def minute_ago(minutes: int = 1) -> datetime:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(second=5, microsecond=0)


def batch(start: datetime | None = None, **fields: Any) -> dict[str, Any]:
    start = start or minute_ago()
    return {
        "period_start": start.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "period_end": (start + timedelta(seconds=30)).isoformat().replace("+00:00", "Z"),
        "service": {"name": "checkout", "version": "2.4.1"},
        "flags": [
            {"key": "new-checkout", "variation": 0, "reason": "FALLTHROUGH", "count": 5},
            {"key": "new-checkout", "variation": None, "reason": "ERROR", "count": 1},
        ],
        "custom": [{"key": "purchase", "count": 3, "value_count": 2, "value_sum": 30.5}],
        "dropped": 0,
        **fields,
    }


@pytest.fixture
def sdk_token(demo: Api) -> str:
    return demo.token("sdk-server", "demo", "production")


def test_events__batch__202_with_totals(demo: Api, sdk_token: str) -> None:
    start = minute_ago()
    response = demo.post(EVENTS, batch(start), token=sdk_token)

    assert demo.ok(response, 202) == {
        "bucket": start.replace(second=0).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "flag_evaluations": 6,
        "custom_events": 3,
        "dropped": 0,
    }


def test_events__same_minute_twice__counts_added(demo: Api, sdk_token: str) -> None:
    start = minute_ago()
    demo.ok(demo.post(EVENTS, batch(start), token=sdk_token), 202)
    demo.ok(demo.post(EVENTS, batch(start + timedelta(seconds=20)), token=sdk_token), 202)

    counts = demo.ok(demo.get(COUNTS))

    bucket = start.replace(second=0).isoformat(timespec="microseconds").replace("+00:00", "Z")
    sender = {"token": sdk_token.split("_")[1], "source": "sdk-server"}
    assert counts["flag_evaluations"] == [
        {
            "flag": "new-checkout",
            "variation": None,
            "reason": "ERROR",
            "bucket": bucket,
            "count": 2,
            **sender,
        },
        {
            "flag": "new-checkout",
            "variation": 0,
            "reason": "FALLTHROUGH",
            "bucket": bucket,
            "count": 10,
            **sender,
        },
    ]
    assert counts["custom_events"] == [
        {
            "key": "purchase",
            "flag": None,
            "variation": None,
            "bucket": bucket,
            "count": 6,
            "value_count": 4,
            "value_sum": 61.0,
            "value_sum_squares": 0.0,
            **sender,
        }
    ]


def test_events__duplicates_in_one_batch__merged(demo: Api, sdk_token: str) -> None:
    entry = {"key": "f", "variation": 1, "reason": "OFF", "count": 2}
    demo.ok(demo.post(EVENTS, batch(flags=[entry, entry], custom=[]), token=sdk_token), 202)

    counts = demo.ok(demo.get(COUNTS, params={"flag": "f"}))["flag_evaluations"]
    assert [c["count"] for c in counts] == [4]


def test_events__different_minutes_and_filters(demo: Api, sdk_token: str) -> None:
    old, new = minute_ago(10), minute_ago(2)
    demo.ok(demo.post(EVENTS, batch(old), token=sdk_token), 202)
    demo.ok(demo.post(EVENTS, batch(new), token=sdk_token), 202)
    other = {"key": "other", "variation": 0, "reason": "OFF", "count": 1}
    demo.ok(demo.post(EVENTS, batch(new, flags=[other]), token=sdk_token), 202)

    since = (new - timedelta(minutes=1)).isoformat()
    recent = demo.ok(demo.get(COUNTS, params={"since": since, "flag": "new-checkout"}))
    everything = demo.ok(demo.get(COUNTS, params={"event": "nothing"}))

    assert {c["bucket"][:16] for c in recent["flag_evaluations"]} == {new.isoformat()[:16]}
    assert {c["flag"] for c in recent["flag_evaluations"]} == {"new-checkout"}
    assert len(everything["flag_evaluations"]) == 5
    assert everything["custom_events"] == []


def test_events__service_queries__what_guards_read(demo: Api, sdk_token: str) -> None:
    demo.ok(demo.post(EVENTS, batch(), token=sdk_token), 202)

    rows = event_service.list_flag_evaluations(
        demo.store, "demo", "production", flag="new-checkout"
    )
    custom = event_service.list_custom_events(demo.store, "demo", "production", key="purchase")
    elsewhere = event_service.list_flag_evaluations(demo.store, "demo", "staging")

    assert sum(r["count"] for r in rows) == 6
    assert custom[0]["value_sum"] == 30.5
    assert elsewhere == []


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"period_start": None}, "period_start", "required"),
        ({"period_start": "yesterday"}, "period_start", "datetime"),
        ({"period_start": "2026-01-01T00:00:00"}, "period_start", "datetime"),
        ({"period_start": "2999-01-01T00:00:00Z"}, "period_start", "range"),
        ({"period_end": "2000-01-01T00:00:00Z"}, "period_end", "range"),
        ({"flags": "many"}, "flags", "type"),
        ({"flags": [1]}, "flags[0]", "type"),
        (
            {"flags": [{"key": "a b", "variation": 0, "reason": "OFF", "count": 1}]},
            "flags[0].key",
            "key_pattern",
        ),
        (
            {"flags": [{"key": "a", "variation": -1, "reason": "OFF", "count": 1}]},
            "flags[0].variation",
            "type",
        ),
        (
            {"flags": [{"key": "a", "variation": 0, "reason": "", "count": 1}]},
            "flags[0].reason",
            "type",
        ),
        (
            {"flags": [{"key": "a", "variation": 0, "reason": "OFF", "count": -3}]},
            "flags[0].count",
            "range",
        ),
        (
            {"flags": [{"key": "a", "variation": 0, "reason": "OFF", "count": True}]},
            "flags[0].count",
            "range",
        ),
        ({"flags": [{"key": "a", "variation": 0, "reason": "OFF"}]}, "flags[0].count", "required"),
        (
            {"custom": [{"key": "p", "count": 1, "value_count": 2, "value_sum": 1}]},
            "custom[0].value_count",
            "range",
        ),
        ({"custom": [{"key": "p", "count": 1, "value_sum": "x"}]}, "custom[0].value_sum", "type"),
        ({"dropped": -1}, "dropped", "range"),
        ({"custom": [{"key": "p", "count": 1, "flag": "f"}]}, "custom[0].variation", "required"),
        ({"custom": [{"key": "p", "count": 1, "variation": 0}]}, "custom[0].flag", "required"),
        (
            {"custom": [{"key": "p", "count": 1, "flag": "a b", "variation": 0}]},
            "custom[0].flag",
            "key_pattern",
        ),
        (
            {"custom": [{"key": "p", "count": 1, "flag": "f", "variation": -1}]},
            "custom[0].variation",
            "type",
        ),
        (
            {"custom": [{"key": "p", "count": 1, "flag": "f", "variation": "1"}]},
            "custom[0].variation",
            "type",
        ),
        (
            {"custom": [{"key": "p", "count": 1, "value_sum_squares": -1}]},
            "custom[0].value_sum_squares",
            "range",
        ),
        (
            {"custom": [{"key": "p", "count": 1, "value_sum_squares": "x"}]},
            "custom[0].value_sum_squares",
            "type",
        ),
    ],
)
def test_events__invalid_batch__422_naming_field_and_rule(
    demo: Api, sdk_token: str, change: dict[str, Any], field: str, rule: str
) -> None:
    body = {**batch(), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = demo.post(EVENTS, body, token=sdk_token)

    assert response.status_code == 422, response.text
    errors = response.json()["error"]["details"]["errors"]
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in errors
    ]
    assert demo.ok(demo.get(COUNTS))["flag_evaluations"] == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"'])
def test_events__not_a_json_object__400(demo: Api, sdk_token: str, body: bytes) -> None:
    response = demo.post(
        EVENTS, content=body, token=sdk_token, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_events__deeply_nested_body__400_malformed_request(demo: Api, sdk_token: str) -> None:
    body = b"[" * 30_000 + b"]" * 30_000
    response = demo.post(
        EVENTS, content=body, token=sdk_token, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_request"


def test_events__attributed_custom_events__counted_per_flag_variation(
    demo: Api, sdk_token: str
) -> None:
    start = minute_ago()
    custom = [
        {"key": "error", "count": 2, "flag": "new-checkout", "variation": 0},
        {"key": "error", "count": 5, "flag": "new-checkout", "variation": 1},
        {"key": "error", "count": 1, "flag": "new-checkout", "variation": 1},
        {"key": "error", "count": 7},
        {
            "key": "latency",
            "count": 2,
            "value_count": 2,
            "value_sum": 5.0,
            "value_sum_squares": 13.0,
            "flag": "new-checkout",
            "variation": 1,
        },
    ]
    answer = demo.ok(demo.post(EVENTS, batch(start, custom=custom), token=sdk_token), 202)
    demo.ok(demo.post(EVENTS, batch(start, custom=custom[4:]), token=sdk_token), 202)

    rows = demo.ok(demo.get(COUNTS))["custom_events"]

    assert answer["custom_events"] == 17
    assert [(r["key"], r["flag"], r["variation"], r["count"]) for r in rows] == [
        ("error", None, None, 7),
        ("error", "new-checkout", 0, 2),
        ("error", "new-checkout", 1, 6),
        ("latency", "new-checkout", 1, 4),
    ]
    assert rows[3]["value_sum"] == 10.0
    assert rows[3]["value_sum_squares"] == 26.0


def test_events__client_token__accepted_unknown_fields_ignored(demo: Api) -> None:
    # A client key may only count variations of flags that client SDKs receive.
    demo.flag("demo", "new-checkout", client_visible=True)
    token = demo.token("sdk-client", "demo", "staging")
    response = demo.post(EVENTS, batch(future_field=1), token=token)

    assert response.status_code == 202
    staging = "/api/v1/projects/demo/environments/staging/events"
    assert sum(c["count"] for c in demo.ok(demo.get(staging))["flag_evaluations"]) == 6


@pytest.mark.parametrize(("scope", "status"), [("admin", 403), ("deploy", 403), (None, 401)])
def test_events__not_an_sdk_token__401_or_403(demo: Api, scope: str | None, status: int) -> None:
    if scope == "admin":
        headers = demo.auth()
    elif scope == "deploy":
        headers = demo.auth(demo.token("deploy", "demo"))
    else:
        headers = {}
    response = demo.client.request("POST", EVENTS, json=batch(), headers=headers)
    assert response.status_code == status


def test_event_counts__sdk_token__403_and_bad_range_422(demo: Api, sdk_token: str) -> None:
    assert demo.get(COUNTS, token=sdk_token).status_code == 403
    bad = demo.get(
        COUNTS, params={"since": "2026-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}
    )
    assert bad.status_code == 422
    assert demo.get(COUNTS, params={"since": "soon"}).status_code == 422
    missing = demo.get("/api/v1/projects/demo/environments/nowhere/events")
    assert missing.status_code == 404


def test_record_sdk_events__too_many_entries__max_length(demo: Api) -> None:
    from premiere.errors import ValidationError
    from premiere.services.people.tokens import TokenInfo

    token = TokenInfo("t", "t", "sdk-server", "demo", "production")
    entry = {"key": "a", "variation": 0, "reason": "OFF", "count": 1}
    with pytest.raises(ValidationError) as caught:
        event_service.record_sdk_events(demo.store, token, batch(flags=[entry] * 10_001))
    assert [(v.field, v.rule) for v in caught.value.violations] == [("flags", "max_length")]
