"""The client's current document: replaced whole, announced to listeners, cached on disk."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from premiere.sdk import cache
from premiere.sdk.document import (
    DocumentError,
    Snapshot,
    apply_patch,
    changed_flags,
    pack_json,
    snapshot_from_document,
    snapshot_from_json,
    validate_document,
)
from premiere.sdk.status import StatusTracker

Listener = Callable[[frozenset[str]], None]


class DocumentHolder:
    """Holds the current :class:`Snapshot`; data sources put documents and patches in.

    ``current`` is read without a lock (one attribute read); writers serialise on a lock,
    build a new snapshot and assign it in one step.
    """

    def __init__(self, status: StatusTracker, log: logging.Logger, cache_path: Any = None) -> None:
        self.current: Snapshot | None = None
        self.etag: str | None = None
        self.status = status
        self.log = log
        self._cache_path = cache_path
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def after_fork(self) -> None:
        self._lock = threading.Lock()

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def remove() -> None:
            with self._lock:
                self._listeners = [x for x in self._listeners if x is not listener]

        return remove

    @property
    def version(self) -> int | None:
        snap = self.current
        return snap.version if snap is not None else None

    def put_document(self, doc: object, source: str, etag: str | None = None) -> None:
        """Serve ``doc`` from now on. Raises DocumentError (keeping the last good one)."""
        held = self.current
        if (
            held is not None
            and isinstance(doc, dict)
            and held.version is not None
            and doc.get("version") == held.version
            and doc == held.document()  # parsed again only for a document of the same version
        ):
            self.etag = etag  # the same document again (a server without ETags): keep it
            self.status.document_loaded(source, held.version)
            return
        checked = validate_document(doc)
        self._swap(snapshot_from_document(checked), source, etag, document=checked)

    def put_document_json(self, data: bytes, source: str, etag: str | None = None) -> None:
        """:meth:`put_document` for the document's JSON text (UTF-8), which is never parsed
        whole (see :mod:`premiere.sdk.jsondoc`). Raises DocumentError."""
        held = self.current
        packed = pack_json(data)
        if held is not None and held.version is not None and packed == held.packed:
            self.etag = etag  # the same document again (a server without ETags): keep it
            self.status.document_loaded(source, held.version)
            return
        self._swap(snapshot_from_json(data, packed), source, etag)

    def put_patch(self, patch: object) -> None:
        """Apply a stream patch to the current document. Raises DocumentError."""
        with self._lock:
            base = self.current
        if base is None:
            raise DocumentError("a patch arrived before any document")
        doc = apply_patch(base.document(), patch)
        snapshot = snapshot_from_document(doc)
        self._swap(snapshot, "server", None, expected_base=base, document=doc)

    def _swap(
        self,
        snapshot: Snapshot,
        source: str,
        etag: str | None,
        expected_base: Snapshot | None = None,
        document: Mapping[str, Any] | None = None,
    ) -> None:
        with self._lock:
            old = self.current
            if expected_base is not None and old is not expected_base:
                raise DocumentError("the document changed while a patch was being applied")
            self.current = snapshot
            self.etag = etag
            listeners = self._listeners
        self.status.document_loaded(source, snapshot.version)
        if source == "server" and self._cache_path is not None:
            self._write_cache(snapshot, etag)
        if listeners and old is not None:
            self._announce(old, snapshot.document() if document is None else document, listeners)

    def _write_cache(self, snapshot: Snapshot, etag: str | None) -> None:
        try:
            cache.write_json(self._cache_path, snapshot.document_json(), etag)
        except (OSError, ValueError) as exc:
            self.log.warning(
                "premiere: could not write the flag cache %s: %s", self._cache_path, exc
            )

    def _announce(self, old: Snapshot, new: Mapping[str, Any], listeners: list[Listener]) -> None:
        """Tell ``listeners`` the flags that differ between ``old`` and the new document."""
        keys = changed_flags(old.document(), new)
        if not keys:
            return
        for listener in listeners:
            try:
                listener(keys)
            except Exception:
                self.log.exception("premiere: a change listener raised")
