"""A Server-Sent Events parser (the WHATWG event-stream format), fed bytes, yielding events.

It does no I/O: the streaming data source feeds it the chunks it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None = None


@dataclass(frozen=True)
class Comment:
    """A ``: text`` line; servers send them as heartbeats."""

    text: str


class SSEParser:
    """Incremental parser: :meth:`feed` bytes, get the complete events and comments.

    Lines end in CRLF, LF or CR; a blank line dispatches the event; ``id`` is remembered
    across events (as the spec's last event ID); events with no data are dropped.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = False
        self._event = ""
        self._data: list[str] = []
        self.retry: int | None = None
        self.last_event_id: str | None = None
        self._first = True

    def feed(self, chunk: bytes) -> list[ServerSentEvent | Comment]:
        out: list[ServerSentEvent | Comment] = []
        for line in self._lines(chunk):
            item = self._line(line)
            if item is not None:
                out.append(item)
        return out

    def _lines(self, chunk: bytes) -> Iterator[str]:
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across chunks
        self._pending_cr = False
        buf = self._buffer + chunk
        start = 0
        i = 0
        n = len(buf)
        while i < n:
            c = buf[i]
            if c == 0x0A or c == 0x0D:
                line = buf[start:i]
                if c == 0x0D:
                    if i + 1 < n and buf[i + 1] == 0x0A:
                        i += 1
                    elif i + 1 == n:
                        self._pending_cr = True
                i += 1
                start = i
                yield self._decode(line)
            else:
                nl = _next_break(buf, i)
                i = nl
        self._buffer = buf[start:]

    def _decode(self, line: bytes) -> str:
        text = line.decode("utf-8", errors="replace")
        if self._first:
            self._first = False
            text = text.removeprefix("\ufeff")
        return text

    def _line(self, line: str) -> ServerSentEvent | Comment | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return Comment(line[1:].removeprefix(" "))
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event or "message"
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(event, "\n".join(data), self.last_event_id)


def _next_break(buf: bytes, i: int) -> int:
    lf = buf.find(b"\n", i)
    cr = buf.find(b"\r", i)
    if lf < 0:
        return cr if cr >= 0 else len(buf)
    return lf if cr < 0 else min(lf, cr)


def parse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent | Comment]:
    """Every event and comment of a whole stream given as chunks."""
    parser = SSEParser()
    for chunk in chunks:
        yield from parser.feed(chunk)
