"""Which change becomes which patch, for which audience.

An :class:`EnvironmentDocument` is one environment's flag document as its SDK streams
last saw it: the flags and segments, the document version, and the change-feed
position it has read up to. Given a :class:`DocumentUpdate` (what changed since that
position, read by :mod:`premiere.services.sdk.updates`), it takes the change in and
answers one patch per audience:

- ``sdk-server`` (``client_only=False``): every flag and segment changed;
- ``sdk-client`` (``client_only=True``): client-visible flags and the segments they use.
  A flag that stops being client-visible becomes ``None``; a segment that a
  client-visible flag starts to use arrives whole; a segment no longer used becomes
  ``None``; a change to a server-only flag is an empty patch (the version still moves).

Both audiences get ``notes`` (the whole list of published notes, replacing the
document's) when a note was published, withdrawn or edited while public.

Pure: no I/O, no clock, no event loop, no wire format. The transport
(:mod:`premiere.api.sdk.broadcaster`) decides when to read updates, encodes the patches
and delivers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from premiere import engine

if TYPE_CHECKING:  # the type only: the pure part imports no reader of the store
    from premiere.services.sdk.documents import FlagDocument

EnvironmentKey = tuple[str, str]
"""``(project, environment)``."""

Patches = dict[bool, dict[str, Any]]
"""One patch per audience, by ``client_only``: ``{"version", "flags", "segments"}``."""


@dataclass(frozen=True)
class DocumentUpdate:
    """What the change feed says changed after a position: the new document version,
    the feed position read up to, and each changed flag and segment in document form
    (``None``: deleted, archived or gone)."""

    version: int
    seq: int
    flags: dict[str, Any]
    segments: dict[str, Any]
    notes: list[Any] | None = None
    """The environment's published notes when they changed (``None``: unchanged)."""


@dataclass
class EnvironmentDocument:
    """An environment's document as its subscribers last saw it."""

    key: EnvironmentKey
    version: int = 0
    seq: int = 0
    flags: dict[str, Any] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)
    client_refs: dict[str, frozenset[str]] = field(default_factory=dict)
    """Client-visible flags, each with the segments it uses."""
    client_segments: frozenset[str] = frozenset()
    """The segments client-visible flags use (what ``sdk-client`` streams hold)."""
    notes: list[Any] = field(default_factory=list)
    """The published notes (both audiences see them)."""

    def load(self, document: FlagDocument, seq: int) -> None:
        """Start over from a whole flag document read at feed position ``seq``."""
        self.version = document["version"]
        self.seq = seq
        self.flags = dict(document["flags"])
        self.segments = dict(document["segments"])
        self.notes = list(document.get("notes") or [])
        self.client_refs = {
            k: frozenset(engine.referenced_segments(f))
            for k, f in self.flags.items()
            if f.get("client_visible")
        }
        self.client_segments = frozenset().union(*self.client_refs.values())

    def document(self, client_only: bool) -> dict[str, Any]:
        """The whole flag document one audience sees."""
        project, environment = self.key
        if client_only:
            flags = {k: self.flags[k] for k in self.client_refs}
            segments = {k: self.segments[k] for k in self.client_segments if k in self.segments}
        else:
            flags, segments = self.flags, self.segments
        document: dict[str, Any] = {
            "project": project,
            "environment": environment,
            "version": self.version,
            "flags": flags,
            "segments": segments,
        }
        if self.notes:
            document["notes"] = self.notes
        return document

    def take(self, update: DocumentUpdate) -> Patches:
        """Take ``update`` in: the patch of each audience, or none (``{}``) when the
        update only moves the feed position (rows the document already held)."""
        if update.version == self.version:
            self.seq = update.seq
            return {}
        return self.apply(update)

    def apply(self, update: DocumentUpdate) -> Patches:
        """Take ``update`` into the document; the patch of each audience."""
        server: dict[str, Any] = {"version": update.version, "flags": {}, "segments": {}}
        client: dict[str, Any] = {"version": update.version, "flags": {}, "segments": {}}
        for key, flag in update.flags.items():
            server["flags"][key] = flag
            if flag is None:
                self.flags.pop(key, None)
            else:
                self.flags[key] = flag
            if flag is not None and flag.get("client_visible"):
                self.client_refs[key] = frozenset(engine.referenced_segments(flag))
                client["flags"][key] = flag
            elif key in self.client_refs:
                del self.client_refs[key]
                client["flags"][key] = None
        for key, segment in update.segments.items():
            server["segments"][key] = segment
            if segment is None:
                self.segments.pop(key, None)
            else:
                self.segments[key] = segment
        used = frozenset().union(*self.client_refs.values())
        for key in used:
            if key in self.segments and (key not in self.client_segments or key in update.segments):
                client["segments"][key] = self.segments[key]
        for key in self.client_segments - used:
            client["segments"][key] = None
        self.client_segments = used
        self._take_notes(update, server, client)
        self.version = update.version
        self.seq = update.seq
        return {False: server, True: client}

    def _take_notes(
        self, update: DocumentUpdate, server: dict[str, Any], client: dict[str, Any]
    ) -> None:
        """Changed notes replace the document's, in both audiences' patches."""
        if update.notes is not None:
            self.notes = list(update.notes)
            server["notes"] = client["notes"] = self.notes
