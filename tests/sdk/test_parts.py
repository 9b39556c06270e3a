"""The pure parts: the SSE parser, the backoff, document checks and patches, the cache."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from premiere.sdk import cache
from premiere.sdk.backoff import Backoff
from premiere.sdk.document import DocumentError, apply_patch, validate_document
from premiere.sdk.sse import Comment, ServerSentEvent, SSEParser, parse


def test_sse__events_comments_and_ids__parsed() -> None:
    stream = (
        b': hello\n\nevent: document\nid: 7\ndata: {"a":\ndata: 1}\n\n'
        b"data: plain\n\nid: 8\nevent: patch\ndata: x\n\n: heartbeat\n\n"
    )
    assert list(parse([stream])) == [
        Comment("hello"),
        ServerSentEvent("document", '{"a":\n1}', "7"),
        ServerSentEvent("message", "plain", "7"),
        ServerSentEvent("patch", "x", "8"),
        Comment("heartbeat"),
    ]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_sse__any_line_ending_split_anywhere__same_events(newline: bytes) -> None:
    stream = b"\xef\xbb\xbfevent: patch" + newline + b"data: caf\xc3\xa9" + newline + newline
    stream += b"retry: 1500" + newline + b"data:no-space" + newline + newline
    whole = list(parse([stream]))
    assert whole == [ServerSentEvent("patch", "café"), ServerSentEvent("message", "no-space")]
    for cut in range(1, len(stream)):
        assert list(parse([stream[:cut], stream[cut:]])) == whole, cut
    assert list(parse([bytes([b]) for b in stream])) == whole
    parser = SSEParser()
    parser.feed(stream)
    assert parser.retry == 1500


def test_sse__unfinished_event__not_dispatched() -> None:
    parser = SSEParser()
    assert parser.feed(b'event: document\ndata: {"trunc') == []
    assert parser.feed(b"\nid: 3\n") == []
    assert parser.feed(b"\n") == [ServerSentEvent("document", '{"trunc', "3")]


def test_backoff__doubles_to_the_cap_with_jitter_and_resets_after_healthy() -> None:
    now = [0.0]
    b = Backoff(1.0, 30.0, 60.0, clock=lambda: now[0], rng=random.Random(1))
    delays = [b.next_delay() for _ in range(8)]
    caps = [1, 2, 4, 8, 16, 30, 30, 30]
    assert all(c / 2 <= d <= c for d, c in zip(delays, caps, strict=True))
    b.connected()
    now[0] += 10
    assert 15 <= b.next_delay() <= 30  # lost after 10 s: no reset
    b.connected()
    now[0] += 61
    assert 0.5 <= b.next_delay() <= 1  # healthy for 61 s: start again


def test_document__shapes__checked() -> None:
    assert validate_document({"flags": {}})["segments"] == {}
    for bad in (
        [],
        {"flags": []},
        {"flags": {}, "segments": 1},
        {"flags": {}, "version": "3"},
        {"flags": {"a": 1}},
        {"flags": {}, "version": True},
    ):
        with pytest.raises(DocumentError):
            validate_document(bad)


def test_patch__replaces_and_deletes__without_touching_the_base() -> None:
    base = {"version": 1, "flags": {"a": {"k": 1}, "b": {"k": 2}}, "segments": {"s": {}}}
    doc = apply_patch(base, {"version": 2, "flags": {"a": {"k": 9}, "b": None}})
    assert doc == {"version": 2, "flags": {"a": {"k": 9}}, "segments": {"s": {}}}
    assert base["flags"] == {"a": {"k": 1}, "b": {"k": 2}}
    with pytest.raises(DocumentError):
        apply_patch(base, {"flags": [1]})


def test_cache__written_atomically__read_back(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "flags.json"
    cache.write(path, {"flags": {}, "version": 4}, '"4"')
    assert cache.read(path) == ({"flags": {}, "version": 4}, '"4"')
    assert json.loads(path.read_text())["etag"] == '"4"'
    path.write_text("{trunc")
    assert cache.read(path) is None
    assert cache.read(tmp_path / "absent.json") is None
