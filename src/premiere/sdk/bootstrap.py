"""The documents a client starts from before the server answers: the bootstrap (a
file or a dict) and the cached copy of the server's last document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from premiere.sdk import cache
from premiere.sdk.config import Config
from premiere.sdk.document import DocumentError
from premiere.sdk.holder import DocumentHolder


def load_local_documents(
    config: Config, holder: DocumentHolder, fail: Callable[[str], None]
) -> None:
    """Put the bootstrap document, then the cached one if it is not older, into
    ``holder``; each problem is passed to ``fail`` in words (nothing raises)."""
    if config.bootstrap_path is not None:
        try:
            data = Path(config.bootstrap_path).read_bytes()
        except OSError as exc:
            fail(f"cannot read the bootstrap file: {exc}")
        else:
            try:  # read one flag at a time, never parsed whole: less memory
                holder.put_document_json(data, "bootstrap")
            except DocumentError as exc:
                fail(f"the bootstrap document is unusable: {exc}")
    elif config.bootstrap is not None:
        try:
            holder.put_document(config.bootstrap, "bootstrap")
        except DocumentError as exc:
            fail(f"the bootstrap document is unusable: {exc}")
    cached = cache.read(config.cache_path) if config.cache_path is not None else None
    if cached is not None:
        doc, etag = cached
        version = doc.get("version") if isinstance(doc, dict) else None
        held = holder.version
        if held is None or (isinstance(version, int) and version >= held):
            try:
                holder.put_document(doc, "cache", etag)
            except DocumentError as exc:
                fail(f"the cached document is unusable: {exc}")
