"""SDK event input is untrusted: recent periods only, bounded and consistent counts,
per-scope batch totals, finite sums, rate limits with 429, and the sending token
recorded on every row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from premiere.api.limits import EventRateLimits
from premiere.errors import RateLimitedError
from premiere.settings import Settings

from .support import Api
from .test_events import COUNTS, EVENTS, batch, minute_ago


def _rules(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]]


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def server_key(demo: Api) -> str:
    return demo.token("sdk-server", "demo", "production")


@pytest.fixture
def client_key(demo: Api) -> str:
    demo.flag("demo", "new-checkout", client_visible=True)
    return demo.token("sdk-client", "demo", "production")


@pytest.mark.parametrize("age", [timedelta(days=3), timedelta(hours=2)])
def test_events__period_start_too_old__422_nothing_counted(
    demo: Api, server_key: str, age: timedelta
) -> None:
    start = datetime.now(UTC) - age
    response = demo.post(EVENTS, batch(start), token=server_key)

    assert ("period_start", "range") in _rules(response)
    assert demo.ok(demo.get(COUNTS, params={"since": _stamp(start)}))["flag_evaluations"] == []


def test_events__period_end_in_future__422(demo: Api, server_key: str) -> None:
    later = _stamp(datetime.now(UTC) + timedelta(hours=1))
    response = demo.post(EVENTS, batch(period_end=later), token=server_key)

    assert ("period_end", "range") in _rules(response)


def test_events__rows_record_sending_token_and_scope(
    demo: Api, server_key: str, client_key: str
) -> None:
    start = minute_ago()
    demo.ok(demo.post(EVENTS, batch(start, custom=[]), token=server_key), 202)
    demo.ok(demo.post(EVENTS, batch(start, custom=[]), token=client_key), 202)

    rows = demo.ok(demo.get(COUNTS, params={"flag": "new-checkout"}))["flag_evaluations"]

    senders = {(r["token"], r["source"], r["reason"], r["count"]) for r in rows}
    assert senders == {
        (server_key.split("_")[1], "sdk-server", "FALLTHROUGH", 5),
        (server_key.split("_")[1], "sdk-server", "ERROR", 1),
        (client_key.split("_")[1], "sdk-client", "FALLTHROUGH", 5),
        (client_key.split("_")[1], "sdk-client", "ERROR", 1),
    }


def test_events__client_key_batch_beyond_one_device__422_server_key_accepted(
    demo: Api, server_key: str, client_key: str
) -> None:
    flags = [{"key": "new-checkout", "variation": 1, "reason": "FALLTHROUGH", "count": 9_000}]
    custom = [{"key": "error", "count": 2_000, "flag": "new-checkout", "variation": 1}]
    body = batch(flags=flags, custom=custom)

    assert _rules(demo.post(EVENTS, body, token=client_key)) == [("flags", "max_total")]
    assert demo.ok(demo.post(EVENTS, body, token=server_key), 202)["custom_events"] == 2_000


def test_events__server_key_batch_beyond_bound__422(demo: Api, server_key: str) -> None:
    entry = {"key": "new-checkout", "variation": 0, "reason": "FALLTHROUGH", "count": 10**12}
    response = demo.post(EVENTS, batch(flags=[entry] * 2, custom=[]), token=server_key)

    assert _rules(response) == [("flags", "max_total")]


@pytest.mark.parametrize(
    ("entry", "field", "rule"),
    [
        ({"value_count": 1, "value_sum": 1e308}, "custom[0].value_sum", "range"),
        ({"value_count": 1, "value_sum_squares": 1e308}, "custom[0].value_sum_squares", "range"),
        ({"value_count": 0, "value_sum": 3.0}, "custom[0].value_sum", "range"),
        (
            {"value_count": 2, "value_sum": 10.0, "value_sum_squares": 1.0},
            "custom[0].value_sum_squares",
            "range",
        ),
    ],
)
def test_events__implausible_value_sums__422(
    demo: Api, server_key: str, entry: dict[str, Any], field: str, rule: str
) -> None:
    custom = [{"key": "latency", "count": 2, **entry}]
    assert (field, rule) in _rules(demo.post(EVENTS, batch(custom=custom), token=server_key))


def test_events__largest_sums_twice__stored_finite_and_readable(demo: Api, server_key: str) -> None:
    custom = [{"key": "latency", "count": 2, "value_count": 2, "value_sum": 1e18,
               "value_sum_squares": 1e36}]  # fmt: skip
    start = minute_ago()
    for _ in range(2):
        demo.ok(demo.post(EVENTS, batch(start, flags=[], custom=custom), token=server_key), 202)

    (row,) = demo.ok(demo.get(COUNTS))["custom_events"]

    assert (row["value_sum"], row["value_sum_squares"]) == (2e18, 2e36)


def test_events__client_key_counts_flag_clients_do_not_receive__422(demo: Api) -> None:
    demo.flag("demo", "server-only")
    key = demo.token("sdk-client", "demo", "production")
    entry = {"key": "server-only", "variation": 0, "reason": "FALLTHROUGH", "count": 1}
    unknown = {"key": "error", "count": 1, "flag": "nowhere", "variation": 0}

    response = demo.post(EVENTS, batch(flags=[entry], custom=[unknown]), token=key)

    assert _rules(response) == [("custom", "client_visible"), ("flags", "client_visible")]
    assert demo.ok(demo.get(COUNTS))["flag_evaluations"] == []


def test_events__client_key_default_served_for_unknown_flag__counted(demo: Api) -> None:
    key = demo.token("sdk-client", "demo", "production")
    entry = {"key": "nowhere", "variation": None, "reason": "ERROR", "count": 1}

    assert demo.ok(demo.post(EVENTS, batch(flags=[entry], custom=[]), token=key), 202)


def test_events__variation_past_the_flags_variations__422_unknown_flags_counted(
    demo: Api, server_key: str
) -> None:
    demo.flag("demo", "new-checkout")  # boolean: variations 0 and 1
    past = {"key": "new-checkout", "variation": 2, "reason": "FALLTHROUGH", "count": 1}
    unknown = {"key": "elsewhere", "variation": 7, "reason": "FALLTHROUGH", "count": 1}

    assert _rules(demo.post(EVENTS, batch(flags=[past], custom=[]), token=server_key)) == [
        ("flags", "index_range")
    ]
    assert demo.ok(demo.post(EVENTS, batch(flags=[unknown], custom=[]), token=server_key), 202)


@pytest.fixture
def settings() -> Settings:
    """Two batches a minute per client address, for the rate limit test below."""
    from .support import MAX_BODY_BYTES

    return replace(
        Settings(database_url="unused://", max_body_bytes=MAX_BODY_BYTES),
        events_client_rate_per_minute=2,
    )


def test_events__more_batches_than_client_limit__429_with_retry_after(
    demo: Api, server_key: str
) -> None:
    start = minute_ago()
    for _ in range(2):
        demo.ok(demo.post(EVENTS, batch(start), token=server_key), 202)

    response = demo.post(EVENTS, batch(start), token=server_key)

    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    rows = demo.ok(demo.get(COUNTS, params={"flag": "new-checkout"}))["flag_evaluations"]
    assert sum(r["count"] for r in rows) == 12  # two batches of 6, not three


def test_event_rate_limits__per_key__shared_by_every_client() -> None:
    limits = EventRateLimits(per_client_per_minute=0, per_key_per_minute=3)
    for client in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        limits.check(client, "key-a")

    with pytest.raises(RateLimitedError) as caught:
        limits.check("10.0.0.4", "key-a")
    limits.check("10.0.0.4", "key-b")  # another key has its own budget

    assert 1 <= caught.value.retry_after_seconds <= 60


def test_event_rate_limits__per_client__other_clients_unaffected() -> None:
    limits = EventRateLimits(per_client_per_minute=1, per_key_per_minute=0)
    limits.check("10.0.0.1", "key")

    with pytest.raises(RateLimitedError):
        limits.check("10.0.0.1", "key")
    limits.check("10.0.0.2", "key")
