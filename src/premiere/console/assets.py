"""Static files at content-hashed URLs: ``app.css`` is served as ``/static/app.<hash>.css``.

The hash is the first 12 hex digits of the file's SHA-256, so a changed file gets a new
URL and every URL can be cached for a year (``immutable``). Files are read once, when
the console is installed.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).parent / "static"
CACHE_FOREVER = "public, max-age=31536000, immutable"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    url_name: str
    content: bytes
    media_type: str


class Assets:
    """The static files of the console, by logical name and by hashed name."""

    def __init__(self, folder: Path = STATIC) -> None:
        self._by_name: dict[str, Asset] = {}
        self._by_url_name: dict[str, Asset] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:12]
            name = path.relative_to(folder).as_posix()
            stem, dot, suffix = name.rpartition(".")
            url_name = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
            media_type = _TYPES.get(path.suffix) or (
                mimetypes.guess_type(name)[0] or "application/octet-stream"
            )
            asset = Asset(url_name, content, media_type)
            self._by_name[name] = asset
            self._by_url_name[url_name] = asset

    def url(self, name: str) -> str:
        """The URL of static file ``name`` (``KeyError`` for a file that does not exist)."""
        return f"/static/{self._by_name[name].url_name}"

    def find(self, url_name: str) -> Asset | None:
        return self._by_url_name.get(url_name)
