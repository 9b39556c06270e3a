"""A batch refused with 429 (or 5xx) and ``Retry-After``: nothing is sent before that
many seconds (capped), the counts are kept within the bound, and nothing raises. A
local server answers; the sender's clock is injected."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from premiere.sdk import Client, Config
from premiere.sdk.event_sender import EventProcessor
from premiere.sdk.events import EventRecorder
from premiere.sdk.http_transport import HttpTransport
from premiere.sdk.transport import retry_after_seconds

from .support import SDK_KEY, FakePremiere
from .test_events import flag_counts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sender(
    server: FakePremiere, clock: Clock, **config: object
) -> tuple[EventRecorder, EventProcessor]:
    settings = Config(sdk_key=SDK_KEY, base_url=server.url, **config)  # type: ignore[arg-type]
    recorder = EventRecorder(settings.event_buffer_size)
    return recorder, EventProcessor(recorder, HttpTransport(settings), settings, clock=clock)


def _posts(server: FakePremiere) -> int:
    return sum(1 for method, path, _ in server.requests if path == "/api/v1/sdk/events")


@pytest.mark.parametrize("status", [429, 503])
def test_events__refused_with_retry_after__nothing_sent_before_it_then_all(
    server: FakePremiere, status: int
) -> None:
    clock = Clock()
    recorder, sender = _sender(server, clock, event_buffer_size=2)
    server.events_status, server.events_retry_after = status, "30"
    recorder.count("a", "FALLTHROUGH", 0)

    refused = sender.flush()
    server.events_status, server.events_retry_after = 202, None
    recorder.count("b", "FALLTHROUGH", 1)
    recorder.count("c", "FALLTHROUGH", 1)  # past the bound of 2 entries: dropped, counted
    clock.now += 29.9
    waiting = sender.flush()
    posts_while_waiting = _posts(server)
    clock.now += 0.1
    sent = sender.flush()

    assert (refused, waiting, sent) == (False, False, True)
    assert posts_while_waiting == 1
    assert _posts(server) == 2
    assert flag_counts(server.events) == {("a", 0, "FALLTHROUGH"): 1, ("b", 1, "FALLTHROUGH"): 1}
    assert server.events[0]["dropped"] == 1


def test_events__huge_retry_after__capped_at_the_slow_retry_interval(server: FakePremiere) -> None:
    clock = Clock()
    recorder, sender = _sender(server, clock, unauthorized_retry_interval=60.0)
    server.events_status, server.events_retry_after = 429, "86400"
    recorder.count("a", "FALLTHROUGH", 0)
    assert not sender.flush()
    server.events_status, server.events_retry_after = 202, None

    clock.now += 59
    early = sender.flush()
    clock.now += 1
    later = sender.flush()

    assert (early, later) == (False, True)
    assert flag_counts(server.events) == {("a", 0, "FALLTHROUGH"): 1}


def test_events__429_without_retry_after__sent_again_at_the_next_flush(
    server: FakePremiere,
) -> None:
    recorder, sender = _sender(server, Clock())
    server.events_status = 429
    recorder.count("a", "FALLTHROUGH", 0)
    assert not sender.flush()
    server.events_status = 202

    assert sender.flush()
    assert flag_counts(server.events) == {("a", 0, "FALLTHROUGH"): 1}


def test_events__client_rate_limited__flush_false_evaluations_unaffected(
    server: FakePremiere, caplog: pytest.LogCaptureFixture
) -> None:
    server.events_status, server.events_retry_after = 429, "3600"
    config = Config(
        sdk_key=SDK_KEY, base_url=server.url, streaming=False, event_flush_interval=60.0
    )
    with caplog.at_level(logging.WARNING, logger="premiere.sdk"), Client(config) as client:
        assert client.variation("a", {"key": "u"}, False) is True
        assert not client.flush()
        server.events_status, server.events_retry_after = 202, None
        assert client.variation("a", {"key": "u"}, False) is True
        assert not client.flush()  # still waiting: nothing sent, nothing raised

    assert _posts(server) == 1 and server.events == []
    assert "answered 429; next attempt in 300 s or later" in caplog.text


def test_retry_after_seconds__seconds_dates_and_junk() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    in_two_minutes = format_datetime(now + timedelta(minutes=2), usegmt=True)

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(in_two_minutes, now.timestamp()) == 120.0
    assert (
        retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now.timestamp())
        == 0.0
    )
    for junk in (None, "", "soon", "-5", "1.5", "9999999999", "Mon, 99 Foo 2026 99:99:99 GMT"):
        assert retry_after_seconds(junk) == 0.0
