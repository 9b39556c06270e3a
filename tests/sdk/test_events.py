"""Evaluation counts and custom events: aggregated, bounded, flushed in batches.

The in-memory server receives the batches; the loopback server answers where the HTTP
status of the answer matters."""

from __future__ import annotations

import threading
from typing import Any

from premiere.sdk import Client, Config
from premiere.sdk.testing import InMemoryServer

from .support import SDK_KEY, FakePremiere, boolean_flag, make_document, rule_rollout_flag


def config(server: str | InMemoryServer, **kw: object) -> Config:
    """Polling, events flushed by hand; ``server`` is a URL or an in-memory server."""
    settings: dict[str, object] = {
        "sdk_key": SDK_KEY,
        **(
            {"transport": server.transport}
            if isinstance(server, InMemoryServer)
            else {"base_url": server}
        ),
        "streaming": False,
        "poll_interval": 60.0,
        "start_wait": 2.0,
        "event_flush_interval": 60.0,
        "service_name": "api",
        "service_version": "1.2.3",
    }
    return Config(**{**settings, **kw})  # type: ignore[arg-type]


def flag_counts(payloads: list[dict[str, Any]]) -> dict[tuple[Any, ...], int]:
    out: dict[tuple[Any, ...], int] = {}
    for payload in payloads:
        for item in payload["flags"]:
            k = (item["key"], item["variation"], item["reason"])
            out[k] = out.get(k, 0) + item["count"]
    return out


def test_events__evaluations_in_many_threads__counted_exactly_and_flushed(
    memory: InMemoryServer,
) -> None:
    with Client(config(memory)) as client:

        def work() -> None:
            for _ in range(500):
                client.variation("a", {"key": "u"}, False)
                client.bool_variation("b", {"key": "u"}, True)
            client.variation("missing", {"key": "u"}, None)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        client.track("checkout", {"key": "u"}, 20)
        client.track("checkout", {"key": "v"}, 5.5)
        client.track("signup", {"key": "u"})
        assert client.flush()
        assert client.flush()  # nothing new: no request
        assert len(memory.events) == 1
        client.variation("a", {"key": "u"}, False)
    payload = memory.events[0]
    assert flag_counts(memory.events[:1]) == {
        ("a", 0, "FALLTHROUGH"): 2000,
        ("b", 1, "FALLTHROUGH"): 2000,
        ("missing", None, "ERROR"): 4,
    }
    assert payload["custom"] == [
        {
            "key": "checkout",
            "count": 2,
            "value_count": 2,
            "value_sum": 25.5,
            "value_sum_squares": 430.25,
        },
        {"key": "signup", "count": 1, "value_count": 0, "value_sum": 0.0, "value_sum_squares": 0.0},
    ]
    assert payload["dropped"] == 0
    assert payload["service"] == {"name": "api", "version": "1.2.3"}
    assert (
        payload["period_start"].endswith("Z") and payload["period_end"] >= payload["period_start"]
    )
    # close() flushed the last evaluation.
    assert flag_counts(memory.events[1:]) == {("a", 0, "FALLTHROUGH"): 1}


def test_events__past_the_bound__dropped_and_counted(memory: InMemoryServer) -> None:
    with Client(config(memory, event_buffer_size=3)) as client:
        for i in range(10):
            client.variation(f"missing-{i}", {"key": "u"}, None)
            client.variation("a", {"key": "u"}, None)
        assert client.flush()
    payload = memory.events[0]
    assert len(payload["flags"]) == 3
    assert sum(f["count"] for f in payload["flags"]) + payload["dropped"] == 20


def test_events__endpoint_down__evaluation_unaffected_and_batch_kept(
    server: FakePremiere,
) -> None:
    server.events_status = 503
    with Client(config(server.url, event_buffer_size=2)) as client:
        for _ in range(100):
            assert client.variation("a", {"key": "u"}, False) is True
        assert not client.flush()
        client.variation("b", {"key": "u"}, True)
        client.variation("missing", {"key": "u"}, True)  # past the bound of 2 keys
        assert not client.flush()
        server.events_status = 202
        assert client.flush()
    assert flag_counts(server.events) == {("a", 0, "FALLTHROUGH"): 100, ("b", 1, "FALLTHROUGH"): 1}
    assert server.events[0]["dropped"] == 1


def test_events__background_thread__flushes_on_its_interval(memory: InMemoryServer) -> None:
    from .support import wait_for

    with Client(config(memory, event_flush_interval=0.05)) as client:
        client.variation("a", {"key": "u"}, False)
        wait_for(lambda: memory.events)
    assert flag_counts(memory.events) == {("a", 0, "FALLTHROUGH"): 1}


def test_events__junk_keys_and_values__never_raise(memory: InMemoryServer) -> None:
    with Client(config(memory)) as client:
        client.variation(["x"], {"key": "u"}, None)  # type: ignore[arg-type]
        client.variation(None, {"key": "u"}, None)  # type: ignore[arg-type]
        client.track(None, {"key": "u"})  # type: ignore[arg-type]
        client.track("t", {"key": "u"}, "ten")  # type: ignore[arg-type]
        client.track("t", None, True)  # type: ignore[arg-type]
        assert client.flush()
    assert memory.events[0]["flags"] == []
    assert memory.events[0]["custom"] == [
        {"key": "t", "count": 2, "value_count": 0, "value_sum": 0.0, "value_sum_squares": 0.0}
    ]


def test_events__ended_threads__counts_kept_and_slots_released(memory: InMemoryServer) -> None:
    with Client(config(memory)) as client:
        t = threading.Thread(target=lambda: client.variation("a", {"key": "u"}, False))
        t.start()
        t.join()
        assert client.flush()
        recorder = client._recorder
        assert recorder is not None and recorder._slots == []
    assert flag_counts(memory.events) == {("a", 0, "FALLTHROUGH"): 1}


def test_events__rule_rollout__counts_per_variation_and_reason(memory: InMemoryServer) -> None:
    memory.set_document(make_document(1, f=rule_rollout_flag("f"), a=boolean_flag("a")))
    with Client(config(memory)) as client:
        results = [
            client.variation("f", {"key": f"u{i}", "plan": "free"}, None) for i in range(400)
        ]
        client.variation("f", {"key": "x", "plan": "enterprise"}, None)
    counts = flag_counts(memory.events)
    assert counts[("f", 0, "RULE_MATCH")] == 1
    assert counts[("f", 0, "FALLTHROUGH")] == results.count(True)
    assert counts[("f", 1, "FALLTHROUGH")] == results.count(False)


def test_events__bound_reached__recovers_after_a_flush(memory: InMemoryServer) -> None:
    with Client(config(memory, event_buffer_size=4)) as client:
        for i in range(6):
            client.variation(f"missing-{i}", {"key": "u"}, None)
        assert client.flush()
        for i in range(6, 9):
            client.variation(f"missing-{i}", {"key": "u"}, None)
        assert client.flush()
    first, second = memory.events[0], memory.events[1]
    assert len(first["flags"]) == 4 and first["dropped"] == 2
    assert [f["key"] for f in second["flags"]] == ["missing-6", "missing-7", "missing-8"]
    assert second["dropped"] == 0


def test_events__batch_refused_with_4xx__dropped_not_resent(server: FakePremiere) -> None:
    server.events_status = 422
    with Client(config(server.url)) as client:
        client.variation("a", {"key": "u"}, None)
        client.track("bad", {"key": "u"}, float("inf"))
        assert not client.flush()
        server.events_status = 202
        client.variation("b", {"key": "u"}, None)
        assert client.flush()
    assert flag_counts(server.events) == {("b", 1, "FALLTHROUGH"): 1}
    assert server.events[0]["custom"] == []


def test_events__non_finite_value__counted_without_value(memory: InMemoryServer) -> None:
    with Client(config(memory)) as client:
        client.track("t", {"key": "u"}, float("nan"))
        client.track("t", {"key": "u"}, 2)
        client.track("t", {"key": "u"}, 1e200)  # its square is not finite
    assert memory.events[0]["custom"] == [
        {"key": "t", "count": 3, "value_count": 1, "value_sum": 2.0, "value_sum_squares": 4.0}
    ]


def test_events__flush_after_close__false_and_no_error(memory: InMemoryServer) -> None:
    client = Client(config(memory))
    client.close()
    client.variation("a", {"key": "u"}, None)
    assert client.flush() is False
