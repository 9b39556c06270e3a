"""The on-disk copy of the last good document, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write(path: str | os.PathLike[str], document: Mapping[str, Any], etag: str | None) -> None:
    """Write ``{"etag", "document"}`` to a temporary file beside ``path``, then rename it."""
    write_json(path, json.dumps(document, separators=(",", ":")).encode(), etag)


def write_json(path: str | os.PathLike[str], document_json: bytes, etag: str | None) -> None:
    """:func:`write` for a document already encoded as JSON (UTF-8)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    head = f'{{"etag":{json.dumps(etag)},"document":'.encode()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head)
            fh.write(document_json)
            fh.write(b"}")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_json(path: str | os.PathLike[str]) -> Any:
    """A JSON file's content (raises OSError or ValueError)."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read(path: str | os.PathLike[str]) -> tuple[Any, str | None] | None:
    """The cached document and its ETag, or None when there is no readable cache."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "document" not in data:
        return None
    etag = data.get("etag")
    return data["document"], etag if isinstance(etag, str) else None
