"""Write spec/bucketing.json: rollout bucketing vectors computed with mmh3 directly.

This script re-states the algorithm of docs/evaluation.md on its own (it does not import
the engine), so that the engine's test of these vectors checks one against the other:

    string = the attribute value as a string (strings as they are, integers in decimal,
             floats with an integral value as that integer; anything else: no bucket)
    hash   = MurmurHash3 x86 32-bit of UTF-8(salt + "." + string), seed 0, unsigned
    bucket = hash % 100000

Run from the repository root: .venv/bin/python spec/tools/make_bucketing_vectors.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mmh3

OUT = Path(__file__).resolve().parent.parent / "bucketing.json"

SALTS = ["new-checkout-salt", "9f2c1d7e", "", "Ünïcødé salt", "a.b"]
STRING_VALUES = [
    "user-0",
    "user-1",
    "user-2",
    "user-3",
    "user-10",
    "user-42",
    "user-199999",
    "",
    "alice@example.com",
    "Ünïcødé",
    "日本語",
    "🚀",
    "a.b.c",
    " spaced ",
]
OTHER_VALUES: list[Any] = [0, 42, -7, 12345678901234567890, 42.0, -3.0, 1.5, True, None, [1]]


def bucket_string(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def vector(salt: str, value: Any) -> dict[str, Any]:
    text = bucket_string(value)
    if text is None:
        return {"salt": salt, "value": value, "string": None, "hash": None, "bucket": None}
    h = mmh3.hash(f"{salt}.{text}".encode(), seed=0, signed=False)
    return {"salt": salt, "value": value, "string": text, "hash": h, "bucket": h % 100_000}


def main() -> None:
    vectors = [vector(s, v) for s in SALTS for v in STRING_VALUES]
    vectors += [vector("new-checkout-salt", v) for v in OTHER_VALUES]
    doc = {
        "description": (
            "bucket = mmh3_x86_32(utf8(salt + '.' + string), seed=0, unsigned) % 100000; "
            "string is the attribute value as a string, null when it cannot be bucketed"
        ),
        "vectors": vectors,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {OUT}")


if __name__ == "__main__":
    main()
