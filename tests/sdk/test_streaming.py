"""Server-sent events: the document on connect, patches, listeners, reconnects, fallback.

The loopback server sends what the tests write on the wire; the in-memory server feeds
the listener tests their changes."""

from __future__ import annotations

import threading
import time

import pytest

from premiere.sdk import Client, Config, DataSourceState
from premiere.sdk.testing import InMemoryServer

from .support import SDK_KEY, FakePremiere, boolean_flag, make_document, wait_for


def streaming(server: str | InMemoryServer, **kw: object) -> Config:
    """``server`` is a URL or an in-memory server."""
    settings: dict[str, object] = {
        "sdk_key": SDK_KEY,
        **(
            {"transport": server.transport}
            if isinstance(server, InMemoryServer)
            else {"base_url": server}
        ),
        "poll_interval": 0.05,
        "start_wait": 2.0,
        "events": False,
        "reconnect_delay": 0.02,
        "max_reconnect_delay": 0.05,
    }
    return Config(**{**settings, **kw})  # type: ignore[arg-type]


def test_streaming__document_on_connect__served_as_valid(server: FakePremiere) -> None:
    with Client(streaming(server.url)) as client:
        assert client.variation("a", {"key": "u"}, False) is True
        assert client.status().state is DataSourceState.VALID
        assert server.count("/api/v1/sdk/flags") == 0
        assert server.headers_of("/api/v1/sdk/stream")[0]["Accept"] == "text/event-stream"


def test_streaming__patch__applied_and_listeners_get_changed_keys(server: FakePremiere) -> None:
    seen: list[frozenset[str]] = []
    changed = threading.Event()
    with Client(streaming(server.url)) as client:
        client.on_change(lambda keys: (seen.append(keys), changed.set()))
        server.push(
            "patch",
            {
                "version": 2,
                "flags": {"a": boolean_flag("a", serve=1), "b": None, "c": boolean_flag("c")},
                "segments": {},
            },
            event_id=2,
        )
        assert changed.wait(2)
        assert seen == [frozenset({"a", "b", "c"})]
        assert client.variation("a", {"key": "u"}, True) is False
        assert client.variation_detail("b", {"key": "u"}, "gone").error_code == "FLAG_NOT_FOUND"
        assert client.variation("c", {"key": "u"}, False) is True
        assert client.status().document_version == 2

        # An old patch (already applied) changes nothing.
        server.push("patch", {"version": 2, "flags": {"a": boolean_flag("a")}}, event_id=2)
        server.push("patch", {"version": 3, "flags": {}, "segments": {}}, event_id=3)
        wait_for(lambda: client.status().document_version == 3)
        assert client.variation("a", {"key": "u"}, True) is False
        assert len(seen) == 1  # version 3 changed no flag


def test_streaming__listener_unsubscribed_and_raising__others_still_called(
    memory: InMemoryServer,
) -> None:
    calls: list[str] = []
    with Client(streaming(memory)) as client:
        remove = client.on_change(lambda keys: calls.append("removed"))
        client.on_change(lambda keys: 1 / 0)  # type: ignore[func-returns-value]
        client.on_change(lambda keys: calls.append("kept"))
        remove()
        memory.delete_flag("a")
        wait_for(lambda: calls == ["kept"])


def test_streaming__segment_change__reports_flags_using_it(memory: InMemoryServer) -> None:
    staff = {"key": "staff", "version": 1, "included": ["u1"], "excluded": [], "rules": []}
    gated = boolean_flag(
        "gated",
        serve=1,
        rules=[
            {
                "id": "staff",
                "clauses": [
                    {
                        "attribute": "key",
                        "op": "segment_match",
                        "values": ["staff"],
                        "negate": False,
                    }
                ],
                "serve": {"variation": 0},
            }
        ],
    )
    dependent = boolean_flag("dependent", prerequisites=[{"key": "gated", "variation": 0}])
    doc = make_document(1, gated=gated, dependent=dependent, other=boolean_flag("other"))
    doc["segments"] = {"staff": staff}
    memory.set_document(doc)
    seen: list[frozenset[str]] = []
    with Client(streaming(memory)) as client:
        client.on_change(seen.append)
        assert client.variation("gated", {"key": "u2"}, None) is False
        memory.set_segment({**staff, "included": ["u2"]})
        wait_for(lambda: seen)
        assert seen == [frozenset({"gated", "dependent"})]
        assert client.variation("gated", {"key": "u2"}, None) is True


def test_streaming__cut__reconnects_with_last_event_id_and_catches_up(
    server: FakePremiere,
) -> None:
    with Client(streaming(server.url)) as client:
        server.push("patch", {"version": 2, "flags": {"x": boolean_flag("x")}}, event_id=2)
        wait_for(lambda: client.status().document_version == 2)
        server.set_document(make_document(5, a=boolean_flag("a", serve=1)))
        server.cut_streams()
        wait_for(lambda: client.status().document_version == 5)
        assert client.variation("a", {"key": "u"}, True) is False
        assert client.status().state is DataSourceState.VALID
        assert server.headers_of("/api/v1/sdk/stream")[1]["Last-Event-ID"] == "2"


def test_streaming__garbage_event__keeps_last_good_and_reconnects(server: FakePremiere) -> None:
    with Client(streaming(server.url)) as client:
        server.push("document", '{"flags": {"a": ')
        wait_for(lambda: server.count("/api/v1/sdk/stream") >= 2)
        assert "unusable" in (client.status().last_error or "")
        assert client.variation("a", {"key": "u"}, False) is True
        wait_for(lambda: client.status().state is DataSourceState.VALID)


@pytest.mark.parametrize("mode", ["404", "501"])
def test_streaming__unavailable__falls_back_to_polling(server: FakePremiere, mode: str) -> None:
    server.stream_mode = mode
    with Client(streaming(server.url)) as client:
        assert client.variation("a", {"key": "u"}, False) is True
        server.set_document(make_document(2, a=boolean_flag("a", serve=1)))
        wait_for(lambda: client.status().document_version == 2)
        assert server.count("/api/v1/sdk/stream") == 1


@pytest.mark.parametrize("mode", ["429", "503"])
def test_streaming__refused_for_now__flags_fetched_and_retry_after_waited(
    server: FakePremiere, mode: str
) -> None:
    # Given a server holding all the streams it may
    server.stream_mode = mode
    server.retry_after = "1"
    with Client(streaming(server.url, unauthorized_retry_interval=60.0)) as client:
        # When the client starts: it has the flags all the same (fetched)
        assert client.variation("b", {"key": "u"}, True) is False
        wait_for(lambda: server.count("/api/v1/sdk/stream") == 1)
        refused_at = time.monotonic()
        server.stream_mode = "ok"
        # Then it asks for a stream again only after Retry-After, and streams from then on
        wait_for(lambda: server.count("/api/v1/sdk/stream") == 2)
        waited = time.monotonic() - refused_at
        server.push("patch", {"version": 2, "flags": {"b": boolean_flag("b")}}, 2)
        wait_for(lambda: client.variation("b", {"key": "u"}, False) is True)

    assert waited >= 0.8  # reconnect_delay is 0.02 s: the server's 1 s was honoured
    assert server.count("/api/v1/sdk/flags") >= 1


def test_streaming__server_down__serves_last_good_then_recovers(server: FakePremiere) -> None:
    with Client(streaming(server.url)) as client:
        server.stream_mode = "500"
        server.cut_streams()
        wait_for(lambda: client.status().state is DataSourceState.STALE)
        assert client.variation("a", {"key": "u"}, False) is True
        server.stream_mode = "ok"
        wait_for(lambda: client.status().state is DataSourceState.VALID)


def test_streaming__close__stops_the_thread_promptly(server: FakePremiere) -> None:
    client = Client(streaming(server.url, stream_read_timeout=30.0))
    assert client.is_ready()
    client.close()
    names = {t.name for t in threading.enumerate()}
    assert "premiere-sdk-stream" not in names


def test_streaming__silent_server__read_timeout_reconnects(server: FakePremiere) -> None:
    server.heartbeat = 5.0  # no heartbeats within the read timeout
    with Client(streaming(server.url, stream_read_timeout=0.1)) as client:
        wait_for(lambda: server.count("/api/v1/sdk/stream") >= 2)
        assert client.variation("a", {"key": "u"}, False) is True
        assert "ReadTimeout" in (client.status().last_error or "")


def test_streaming__retry_field__sets_the_least_reconnect_delay(server: FakePremiere) -> None:
    with Client(streaming(server.url)) as client:
        for q in list(server.streams):
            q.put(b"retry: 300\n\n")
        wait_for(lambda: client._background.source.server_retry == 0.3)  # type: ignore[union-attr]
        cut = time.monotonic()
        server.cut_streams()
        wait_for(lambda: server.count("/api/v1/sdk/stream") == 2)
        # The backoff alone would reconnect within 0.05 s; the retry field makes it 0.3 s.
        assert server.arrivals("/api/v1/sdk/stream")[1] - cut >= 0.3
