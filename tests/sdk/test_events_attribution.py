"""Custom events attributed to the variation of a flag last served to the context."""

from __future__ import annotations

from typing import Any

from premiere.sdk import Client
from premiere.sdk.events import ServedVariations
from premiere.sdk.testing import InMemoryServer

from .support import boolean_flag, make_document, rule_rollout_flag
from .test_events import config


def custom_counts(payloads: list[dict[str, Any]]) -> dict[tuple[Any, ...], int]:
    out: dict[tuple[Any, ...], int] = {}
    for payload in payloads:
        for item in payload["custom"]:
            k = (item["key"], item.get("flag"), item.get("variation"))
            out[k] = out.get(k, 0) + item["count"]
    return out


def test_track_with_flag__after_first_use__attributed_to_last_served_variation(
    memory: InMemoryServer,
) -> None:
    memory.set_document(make_document(1, f=rule_rollout_flag("f"), a=boolean_flag("a")))
    users = [{"key": f"u{i}", "plan": "free"} for i in range(200)]
    with Client(config(memory)) as client:
        client.track("error", users[0], flag="f")  # not watched before: unattributed
        served = [client.bool_variation("f", u, False) for u in users]
        for u in users:
            client.track("error", u, flag="f")
        client.track("error", {"key": "never-evaluated"}, flag="f")
        client.track("error", users[0])  # no flag
        assert client.flush()
    treatment = sum(served)
    assert 0 < treatment < len(users)
    assert custom_counts(memory.events) == {
        ("error", None, None): 3,
        ("error", "f", 0): treatment,
        ("error", "f", 1): len(users) - treatment,
    }


def test_track_with_flag__every_evaluation_form__remembered(memory: InMemoryServer) -> None:
    memory.set_document(make_document(1, a=boolean_flag("a", serve=1)))
    with Client(config(memory)) as client:
        client.track("e", {"key": "x"}, flag="a")
        client.variation("a", {"key": "u1"}, None)
        client.bool_variation("a", {"key": "u2"}, True)
        client.variation_detail("a", {"key": "u3"}, None)
        client.variation("a", {"key": "u4", "when": object()}, None)
        for key in ("u1", "u2", "u3", "u4"):
            client.track("e", {"key": key}, 2.0, flag="a")
        assert client.flush()
    custom = memory.events[0]["custom"]
    assert custom[-1] == {
        "key": "e",
        "count": 4,
        "value_count": 4,
        "value_sum": 8.0,
        "value_sum_squares": 16.0,
        "flag": "a",
        "variation": 1,
    }


def test_track_with_flag__default_served__unattributed(memory: InMemoryServer) -> None:
    with Client(config(memory)) as client:
        client.track("e", {"key": "u"}, flag="missing")
        client.variation("missing", {"key": "u"}, None)
        client.track("e", {"key": "u"}, flag="missing")
        assert client.flush()
    assert custom_counts(memory.events) == {("e", None, None): 2}


def test_track_with_flag__unwatched_flags__nothing_remembered(memory: InMemoryServer) -> None:
    with Client(config(memory)) as client:
        client.track("e", {"key": "u"}, flag="b")
        for i in range(50):
            client.variation("a", {"key": f"u{i}"}, None)
            client.bool_variation("a", {"key": f"u{i}"}, False)
        client.variation("b", {"key": "u"}, None)
        assert list(client._served._last) == [("b", "u")]


def test_track_with_flag__junk__never_raises(memory: InMemoryServer) -> None:
    with Client(config(memory)) as client:
        client.variation("a", {"key": 3}, None)
        client.track("e", {"key": 3}, flag="a")
        client.track("e", None, flag="a")  # type: ignore[arg-type]
        client.track("e", {"key": "u"}, flag=7)  # type: ignore[arg-type]
        client.variation("a", [], None)  # type: ignore[arg-type]
        assert client.flush()
    assert custom_counts(memory.events) == {("e", None, None): 3}


def test_served_variations__past_the_bound__least_recently_served_forgotten() -> None:
    served = ServedVariations(bound=2)
    served.remember("f", {"key": "a"}, 0)
    served.remember("f", {"key": "b"}, 1)
    served.remember("f", {"key": "a"}, 1)  # a is now the most recent
    served.remember("f", {"key": "c"}, 0)
    served.remember("f", {"no": "key"}, 0)

    assert [served.served("f", {"key": k}) for k in "abc"] == [1, None, 0]


def test_watch__threads_counting_before_and_after__every_evaluation_counted(
    memory: InMemoryServer,
) -> None:
    import threading

    from .test_events import flag_counts

    with Client(config(memory)) as client:
        started = threading.Barrier(5)

        def work() -> None:
            started.wait()
            for i in range(3000):
                client.variation("a", {"key": f"u{i % 7}"}, False)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        started.wait()
        client.track("e", {"key": "u1"}, flag="a")  # while the threads count
        for t in threads:
            t.join()
        client.variation("a", {"key": "u1"}, False)
        client.track("e", {"key": "u1"}, flag="a")
        assert client.flush()
    assert flag_counts(memory.events) == {("a", 0, "FALLTHROUGH"): 12_001}
    assert custom_counts(memory.events)[("e", "a", 0)] >= 1


def test_watch__many_flags__the_first_thousand_watched(memory: InMemoryServer) -> None:
    from premiere.sdk.events import WATCHED_FLAGS

    with Client(config(memory)) as client:
        for i in range(WATCHED_FLAGS + 5):
            client.track("e", {"key": "u"}, flag=f"f{i}")
        recorder = client._recorder
        assert recorder is not None and len(recorder.watched) == WATCHED_FLAGS
