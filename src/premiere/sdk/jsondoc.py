"""A flag document's JSON text, read one flag at a time.

Parsing a whole 10,000-flag document builds about 60 MiB of dicts, lists and strings
(five times the text) that are garbage once the document is compiled; as Python's
allocator keeps the memory of freed small objects, the process would stay that much
larger. Read here instead, the flags are first located in the text (each parsed, shown
to a callback, and dropped), then parsed one at a time again as the engine compiles
them: at no time is more than one flag held in parsed form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()

# Shown each flag once while the document is read: (key, parsed flag).
FlagCallback = Callable[[str, Any], None]


class LazyObjects(Mapping[str, Any]):
    """The members of one JSON object of ``text``, each parsed anew when read."""

    __slots__ = ("_spans", "_text")

    def __init__(self, text: str, spans: dict[str, int]) -> None:
        self._text = text
        self._spans = spans  # key -> where its value starts

    def __getitem__(self, key: str) -> Any:
        return _DECODER.raw_decode(self._text, self._spans[key])[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


def read_document(text: str, each: FlagCallback) -> dict[str, Any]:
    """The JSON object in ``text``, its ``flags`` a :class:`LazyObjects` if an object.

    Every other member is parsed. Each flag is parsed once and shown to ``each``. Raises
    ValueError when ``text`` is not one JSON object, or a flag is not an object.
    """
    doc: dict[str, Any] = {}

    def member(key: str, start: int) -> int:
        if key == "flags" and text.startswith("{", start):
            spans: dict[str, int] = {}
            end = _object(text, start, lambda k, s: _flag(text, k, s, spans, each))
            doc[key] = LazyObjects(text, spans)
            return end
        doc[key], end = _DECODER.raw_decode(text, start)
        return int(end)

    end = _skip(text, _object(text, _skip(text, 0), member))
    if end != len(text):
        raise ValueError(f"extra data after the document at character {end}")
    return doc


def _flag(text: str, key: str, start: int, spans: dict[str, int], each: FlagCallback) -> int:
    if not text.startswith("{", start):
        raise ValueError(f"flags[{key!r}] is not an object")
    flag, end = _DECODER.raw_decode(text, start)
    spans[key] = start
    each(key, flag)
    return int(end)


def _object(text: str, idx: int, member: Callable[[str, int], int]) -> int:
    """Walk the object at ``idx``: ``member(key, start)`` reads each value and returns
    the index after it. Returns the index after the object."""
    if not text.startswith("{", idx):
        raise ValueError(f"expected an object at character {idx}")
    idx = _skip(text, idx + 1)
    if text.startswith("}", idx):
        return idx + 1
    while True:
        if not text.startswith('"', idx):
            raise ValueError(f"expected a member name at character {idx}")
        key, idx = scanstring(text, idx + 1)
        idx = _skip(text, idx)
        if not text.startswith(":", idx):
            raise ValueError(f"expected ':' at character {idx}")
        idx = _skip(text, member(key, _skip(text, idx + 1)))
        if text.startswith(",", idx):
            idx = _skip(text, idx + 1)
        elif text.startswith("}", idx):
            return idx + 1
        else:
            raise ValueError(f"expected ',' or '}}' at character {idx}")


def _skip(text: str, idx: int) -> int:
    match = _SPACE.match(text, idx)
    return match.end() if match else idx
