"""Compiled flag documents, cached per environment, audience and document version.

Server-side evaluation (OFREP) must not compile a document per request: a request gets
the compiled document of the environment's current version, compiled once per process
and version. The version itself (one indexed read) is read at most every
``version_ttl`` seconds per environment; a write committed in this process makes the
next request read it again at once, so only writes made by other processes (replicas)
may take up to ``version_ttl`` to be seen.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from premiere import engine
from premiere.services.sdk.documents import build_flag_document, document_version
from premiere.store import Store
from premiere.store.notifications import ChangedEnvironments, on_changes_committed

CacheKey = tuple[str, str, bool]  # project, environment, client_only


@dataclass(frozen=True)
class CompiledFlags:
    """One version of one environment's document, compiled, with what OFREP needs to know."""

    project: str
    environment: str
    version: int
    client_only: bool
    document: Mapping[str, Any]
    compiled: engine.CompiledDocument
    reads_key: frozenset[str] = field(default_factory=frozenset)
    """Flags that are on and use the targeting key (targets, a rollout by ``key``, a
    clause on ``key``), so that evaluating them without one is refused."""
    audiences: engine.CompiledDocument | None = None
    """The audiences of the document's published notes (``engine.audience_document``)."""
    off_variations: Mapping[str, int | None] = field(default_factory=dict)
    """Each flag's off-variation, for what's new (``engine.notes_for``)."""


class CompiledDocuments:
    """A thread-safe cache holding the newest compiled version of each environment."""

    def __init__(
        self,
        store: Store,
        *,
        version_ttl: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.version_ttl = version_ttl
        self.clock = clock  # seconds, monotonic
        self._entries: dict[CacheKey, CompiledFlags] = {}
        self._lock = threading.Lock()
        self._building: dict[CacheKey, threading.Lock] = {}
        # (project, environment) -> (when its version was read, the version)
        self._versions: dict[tuple[str, str], tuple[float, int]] = {}
        self._generations: dict[tuple[str, str], int] = {}
        _forget_on_commit(self)

    def get(self, project: str, environment: str, *, client_only: bool) -> CompiledFlags:
        """The current document of an environment, compiled (``NotFoundError`` if none)."""
        key = (project, environment, client_only)
        version = self._version(project, environment)
        entry = self._entries.get(key)
        if entry is not None and entry.version == version:
            return entry
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one compilation per version, however many requests wait for it
            entry = self._entries.get(key)
            if entry is not None and entry.version >= version:
                return entry
            entry = compile_flags(
                build_flag_document(self.store, project, environment, client_only=client_only),
                client_only=client_only,
            )
            self._entries[key] = entry
            return entry

    def cached(self, project: str, environment: str, *, client_only: bool) -> CompiledFlags | None:
        """What :meth:`get` would answer if it can be answered from memory (no database
        read, no compilation), else ``None``: safe to call on an event loop."""
        known = self._versions.get((project, environment))
        if known is None or self.clock() - known[0] >= self.version_ttl:
            return None
        entry = self._entries.get((project, environment, client_only))
        return entry if entry is not None and entry.version == known[1] else None

    def version(self, project: str, environment: str) -> int:
        """The environment's document version, read at most every ``version_ttl`` seconds
        (at once after a local commit); ``NotFoundError`` for an unknown environment."""
        return self._version(project, environment)

    def cached_version(self, project: str, environment: str) -> int | None:
        """:meth:`version` if it can be answered from memory, else ``None``."""
        known = self._versions.get((project, environment))
        if known is None or self.clock() - known[0] >= self.version_ttl:
            return None
        return known[1]

    def forget(self, changed: ChangedEnvironments) -> None:
        """Read the versions of these environments again at the next request."""
        for pair in changed:
            self._generations[pair] = self._generations.get(pair, 0) + 1
            self._versions.pop(pair, None)

    def _version(self, project: str, environment: str) -> int:
        pair = (project, environment)
        now = self.clock()
        known = self._versions.get(pair)
        if known is not None and now - known[0] < self.version_ttl:
            return known[1]
        generation = self._generations.get(pair, 0)
        version = document_version(self.store, project, environment)
        if self._generations.get(pair, 0) == generation:  # no commit meanwhile
            self._versions[pair] = (now, version)
        return version


def _forget_on_commit(cache: CompiledDocuments) -> None:
    """Register ``cache.forget`` for local commits, without keeping the cache alive."""
    reference = weakref.ref(cache)

    def forget(changed: ChangedEnvironments) -> None:
        target = reference()
        if target is None:
            unregister()
        else:
            target.forget(changed)

    unregister = on_changes_committed(cache.store, forget)


def compile_flags(document: Mapping[str, Any], *, client_only: bool) -> CompiledFlags:
    flags = document.get("flags", {})
    notes = document.get("notes") or []
    return CompiledFlags(
        project=str(document.get("project")),
        environment=str(document.get("environment")),
        version=int(document.get("version", 0)),
        client_only=client_only,
        document=document,
        compiled=engine.compile_document(document),
        reads_key=frozenset(k for k, f in flags.items() if engine.reads_targeting_key(f)),
        audiences=engine.audience_document(notes, document.get("segments", {})) if notes else None,
        off_variations=engine.off_variations_of(flags) if notes else {},
    )
