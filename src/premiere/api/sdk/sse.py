"""Server-sent-event framing of the SDK stream: complete events as ``bytes``."""

from __future__ import annotations

import json
from typing import Any

HEARTBEAT = b": heartbeat\n\n"
"""A comment line, sent so that clients and proxies can tell a quiet stream from a dead one."""


def frame(event: str, event_id: int, payload: Any) -> bytes:
    """One server-sent event with a single-line JSON ``data`` field."""
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event}\nid: {event_id}\ndata: {data}\n\n".encode()
