"""Stored JSON that reads back as Unicode text, whatever was written before.

JSON's ``"\\ud800"`` (a UTF-16 surrogate without its pair) parses to a Python string
that is no Unicode text: it cannot be encoded as UTF-8, so an answer holding it fails.
The API refuses such input at the edge, but SQLite's JSON columns may already hold it
(written before that rule). Reading stays possible: the JSON deserializer of SQLite
connections replaces every lone surrogate by U+FFFD (the replacement character), and
migration 0009 rewrites the stored values once. PostgreSQL's ``jsonb`` never accepted
them.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What a stored JSON text holds where a surrogate was escaped (pairs included: a cheap
# test that says when the parsed value needs looking at).
ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def replace_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate (in strings and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {
            replace_lone_surrogates(key): replace_lone_surrogates(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [replace_lone_surrogates(item) for item in value]
    return value


def read_json(text: str) -> Any:
    """The JSON deserializer of SQLite connections: ``json.loads``, tolerant."""
    value = json.loads(text)
    if ESCAPED_SURROGATE.search(text) is None:
        return value
    return replace_lone_surrogates(value)
