"""Checking, patching and compiling flag documents; the immutable snapshot the client serves.

A :class:`Snapshot` is built once per document and never changed; the client swaps the
whole snapshot in one attribute assignment, so evaluation reads it without a lock.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Iterable, KeysView, Mapping
from dataclasses import dataclass, field
from typing import Any

from premiere import engine
from premiere.sdk.jsondoc import LazyObjects, read_document


class DocumentError(ValueError):
    """A document or patch from a source is not usable; the last good document stays."""


@dataclass(frozen=True, eq=False, slots=True)
class Snapshot:
    """A checked flag document and its compiled form.

    The document itself is kept only as compressed JSON (``packed``): the compiled form
    is what evaluation reads, and the parsed document would hold five times the memory
    of the compiled one for the rare uses that need it (a stream patch, the keys of the
    flags that changed, the cache file), which parse or copy it on demand. The names of
    the variations, which the OpenFeature provider reports, are kept apart.

    ``needs_now`` / ``needs_service`` name the flags whose evaluation reads the ``now``
    or ``premiere.*`` attributes (in a clause or rollout of their own, of a segment they
    use, or of a prerequisite), so that the client fills those in only when they can
    change an answer: the answer is the same either way; it saves time.
    """

    packed: bytes
    compiled: engine.CompiledDocument
    version: int | None
    needs_now: frozenset[str]
    needs_service: frozenset[str]
    # The engine's runners of the flags that need neither (``runners[key](context,
    # default, ())`` evaluates): the hot path tries these and falls back on a KeyError.
    runners: Mapping[str, Any]
    # Per flag, the names of its variations (None where a variation has none).
    names: Mapping[str, tuple[str | None, ...]]
    # The flags that need a targeting key (engine.reads_targeting_key), and each flag's
    # version: what the OpenFeature provider reports, as OFREP does.
    needs_key: frozenset[str] = frozenset()
    versions: Mapping[str, int] = field(default_factory=dict)
    # The published notes the document carries (newest first), the audiences of those
    # notes compiled (engine.notes.audience_document), and the off-variation of each
    # flag the notes link to: what ``Client.whats_new`` reads.
    notes: tuple[Any, ...] = ()
    audiences: engine.CompiledDocument | None = None
    off_variations: Mapping[str, int | None] = field(default_factory=dict)

    @property
    def flags(self) -> KeysView[str]:
        """The keys of the document's flags, in the document's order."""
        return self.compiled.runners.keys()

    def document(self) -> dict[str, Any]:
        """A fresh parse of the document (the caller may change it)."""
        parsed: dict[str, Any] = json.loads(self.document_json())
        return parsed

    def document_json(self) -> bytes:
        """The document as JSON (UTF-8)."""
        return zlib.decompress(self.packed)

    def variation_name(self, key: str, index: int) -> str | None:
        names = self.names.get(key, ())
        return names[index] if 0 <= index < len(names) else None


def snapshot_from_document(doc: object) -> Snapshot:
    """Check the shape of ``doc`` and compile it. Raises DocumentError when unusable."""
    checked = validate_document(doc)
    facts = _FlagFacts()
    for key, flag in checked["flags"].items():
        facts.add(key, flag)
    return _snapshot(checked, pack_document(checked), facts)


def snapshot_from_json(data: bytes, packed: bytes | None = None) -> Snapshot:
    """:func:`snapshot_from_document` for a document's JSON text (UTF-8), never parsed
    whole: see :mod:`premiere.sdk.jsondoc`. ``packed`` is :func:`pack_json` of ``data``."""
    facts = _FlagFacts()
    try:
        doc = read_document(data.decode("utf-8"), facts.add)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise DocumentError(f"the document is not usable JSON: {exc}") from None
    checked = validate_document(doc)
    return _snapshot(checked, pack_json(data) if packed is None else packed, facts)


def _snapshot(checked: dict[str, Any], packed: bytes, facts: _FlagFacts) -> Snapshot:
    compiled = engine.compile_document(checked)
    needs_now, needs_service = facts.reading(checked["segments"], ("now",), ("premiere",))
    enrich = needs_now | needs_service
    notes = tuple(checked.get("notes") or ())
    linked = {
        key
        for note in notes
        if isinstance(note, Mapping) and isinstance(note.get("features"), list)
        for key in note["features"]
        if isinstance(key, str)
    }
    return Snapshot(
        packed=packed,
        compiled=compiled,
        version=checked.get("version"),
        needs_now=needs_now,
        needs_service=needs_service,
        runners={k: run for k, run in compiled.runners.items() if k not in enrich},
        names=facts.names,
        needs_key=frozenset(facts.needs_key),
        versions=facts.versions,
        notes=notes,
        audiences=engine.audience_document(notes, checked["segments"]) if notes else None,
        off_variations={k: facts.off_variations.get(k) for k in linked},
    )


def pack_document(doc: Mapping[str, Any]) -> bytes:
    """``doc`` as compressed compact JSON; the same document packs the same.

    Raises DocumentError when ``doc`` holds something JSON cannot (a document given
    in code, not read from JSON).
    """
    try:
        text = json.dumps(doc, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise DocumentError(f"the document is not JSON: {exc}") from None
    return pack_json(text.encode("ascii"))


def pack_json(data: bytes) -> bytes:
    """A document's JSON text as kept in a :class:`Snapshot`."""
    return zlib.compress(data, 6)  # 1.3 MiB for 11 MiB of flags (level 1: 1.8 MiB)


def validate_document(doc: object) -> dict[str, Any]:
    """The shape every document must have; the engine judges each flag on its own.

    Flags read lazily from JSON text (:class:`~premiere.sdk.jsondoc.LazyObjects`) were
    checked to be objects as they were read, and stay lazy.
    """
    if not isinstance(doc, Mapping):
        raise DocumentError(f"the document is a {type(doc).__name__}, not a JSON object")
    flags = doc.get("flags")
    if not isinstance(flags, Mapping):
        raise DocumentError("the document has no 'flags' object")
    segments = doc.get("segments", {})
    if not isinstance(segments, Mapping):
        raise DocumentError("the document's 'segments' is not an object")
    version = doc.get("version")
    if version is not None and (type(version) is not int or version < 0):
        raise DocumentError("the document's 'version' is not a non-negative integer")
    if not isinstance(doc.get("notes", []), list):
        raise DocumentError("the document's 'notes' is not a list")
    lazy = isinstance(flags, LazyObjects)
    for section, items in (("flags", {} if lazy else flags), ("segments", segments)):
        for key, item in items.items():
            if not isinstance(key, str) or not isinstance(item, Mapping):
                raise DocumentError(f"{section}[{key!r}] is not an object")
    out = dict(doc)
    out["flags"] = flags if lazy else dict(flags)
    out["segments"] = dict(segments)
    return out


def apply_patch(raw: Mapping[str, Any], patch: object) -> dict[str, Any]:
    """The document after ``patch`` ({"version", "flags": {key: flag|null}, "segments": ...})."""
    if not isinstance(patch, Mapping):
        raise DocumentError("the patch is not a JSON object")
    doc = dict(raw)
    for section in ("flags", "segments"):
        changes = patch.get(section, {})
        if not isinstance(changes, Mapping):
            raise DocumentError(f"the patch's {section!r} is not an object")
        items = dict(raw.get(section) or {})
        for key, item in changes.items():
            if item is None:
                items.pop(key, None)
            else:
                items[key] = item
        doc[section] = items
    if "notes" in patch:  # the whole list of published notes, replacing the document's
        notes = patch["notes"]
        if not isinstance(notes, list):
            raise DocumentError("the patch's 'notes' is not a list")
        if notes:
            doc["notes"] = notes
        else:
            doc.pop("notes", None)
    if "version" in patch:
        doc["version"] = patch["version"]
    return doc


def changed_flags(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> frozenset[str]:
    """Keys of flags whose evaluation may differ between two documents.

    A flag changes when its own configuration does, when a segment it uses does, or
    when one of its prerequisites changes (transitively).
    """
    old_flags: Mapping[str, Any] = old["flags"] if old else {}
    old_segments: Mapping[str, Any] = (old.get("segments") or {}) if old else {}
    new_flags: Mapping[str, Any] = new["flags"]
    new_segments: Mapping[str, Any] = new.get("segments") or {}
    changed = {
        k for k in old_flags.keys() | new_flags.keys() if old_flags.get(k) != new_flags.get(k)
    }
    changed_segments = {
        k
        for k in old_segments.keys() | new_segments.keys()
        if old_segments.get(k) != new_segments.get(k)
    }
    depends: dict[str, set[str]] = {}
    for key, flag in new_flags.items():
        if changed_segments and _referenced(engine.referenced_segments, flag) & changed_segments:
            changed.add(key)
        for prerequisite in _referenced(engine.referenced_flags, flag):
            depends.setdefault(prerequisite, set()).add(key)
    pending = list(changed)
    while pending:
        for dependent in depends.get(pending.pop(), ()):
            if dependent not in changed:
                changed.add(dependent)
                pending.append(dependent)
    return frozenset(changed)


def _referenced(fn: Any, flag: Any) -> set[str]:
    try:
        return set(fn(flag))
    except Exception:  # a malformed flag references nothing we can trust
        return set()


class _FlagFacts:
    """What the client needs to know of each flag besides its compiled form, gathered
    from the flags one at a time: the names of its variations, and whether its evaluation
    may read given attributes (in a clause or rollout of its own, of a segment it uses,
    or of a prerequisite)."""

    def __init__(self) -> None:
        self.names: dict[str, tuple[str | None, ...]] = {}
        self.needs_key: set[str] = set()
        self.versions: dict[str, int] = {}
        self.off_variations: dict[str, int] = {}
        self._shared: dict[tuple[str | None, ...], tuple[str | None, ...]] = {}
        self._sets: dict[frozenset[str], frozenset[str]] = {}
        # Parallel lists, not dicts keyed by flag: these are dropped after loading, and
        # lists leave less behind in the allocator.
        self._keys: list[str] = []
        self._tops: list[frozenset[str]] = []
        self._segments: list[frozenset[str]] = []
        self._prerequisites: list[frozenset[str]] = []

    def add(self, key: str, flag: Any) -> None:
        if not isinstance(flag, Mapping):
            return
        self.names.pop(key, None)
        self.needs_key.discard(key)
        self.versions.pop(key, None)
        self.off_variations.pop(key, None)
        if engine.reads_targeting_key(flag):
            self.needs_key.add(key)
        if type(flag.get("version")) is int:
            self.versions[key] = flag["version"]
        if type(flag.get("off_variation")) is int:
            self.off_variations[key] = flag["off_variation"]
        variations = flag.get("variations")
        if isinstance(variations, list):
            names = tuple(
                sys.intern(v["name"])
                if isinstance(v, Mapping) and _is_name(v.get("name"))
                else None
                for v in variations
            )
            if any(names):
                self.names[key] = self._shared.setdefault(names, names)  # ("on", "off") once
        # Few distinct sets among thousands of flags: each kept once (less memory, and
        # less left scattered in the allocator's pages when these are dropped).
        shared = self._sets
        tops = frozenset(name.split(".", 1)[0] for name in _flag_attributes(flag))
        segments = frozenset(_referenced(engine.referenced_segments, flag))
        prerequisites = frozenset(_referenced(engine.referenced_flags, flag))
        self._keys.append(key)  # a key seen twice: the union of both (reads no less)
        self._tops.append(shared.setdefault(tops, tops))
        self._segments.append(shared.setdefault(segments, segments))
        self._prerequisites.append(shared.setdefault(prerequisites, prerequisites))

    def reading(
        self, segments: Mapping[str, Any], *roots: tuple[str, ...]
    ) -> tuple[frozenset[str], ...]:
        """For each tuple of root attribute names, the flags whose evaluation may read one."""
        segment_tops: dict[str, set[str]] = {}
        for segment_key, segment in segments.items():
            rules = segment.get("rules") if isinstance(segment, Mapping) else None
            names = _rule_attributes(rules if isinstance(rules, list) else [])
            segment_tops[segment_key] = {name.split(".", 1)[0] for name in names}
        keys = self._keys
        out = []
        for wanted in roots:
            hit = {k for k, tops in segment_tops.items() if not tops.isdisjoint(wanted)}
            reading = {
                key
                for key, tops, used in zip(keys, self._tops, self._segments, strict=True)
                if not tops.isdisjoint(wanted) or not used.isdisjoint(hit)
            }
            grew = True
            while grew:  # a flag whose prerequisite reads it reads it too
                grew = False
                for key, prereqs in zip(keys, self._prerequisites, strict=True):
                    if key not in reading and not prereqs.isdisjoint(reading):
                        reading.add(key)
                        grew = True
            out.append(frozenset(reading))
        return tuple(out)


def _is_name(name: object) -> bool:
    return type(name) is str and bool(name)


def _flag_attributes(flag: Mapping[str, Any]) -> Iterable[str]:
    """Every context attribute named by a clause or a rollout of one flag."""
    rules = flag.get("rules")
    rules = rules if isinstance(rules, list) else []
    yield from _rule_attributes(rules)
    serves = [flag.get("fallthrough")] + [r.get("serve") for r in rules if isinstance(r, Mapping)]
    for serve in serves:
        if isinstance(serve, Mapping) and isinstance(serve.get("rollout"), Mapping):
            bucket_by = serve["rollout"].get("bucket_by", "key")
            if isinstance(bucket_by, str):
                yield bucket_by


def _rule_attributes(rules: list[Any]) -> Iterable[str]:
    for rule in rules:
        clauses = rule.get("clauses") if isinstance(rule, Mapping) else None
        for clause in clauses if isinstance(clauses, list) else []:
            if isinstance(clause, Mapping) and isinstance(clause.get("attribute"), str):
                yield clause["attribute"]
