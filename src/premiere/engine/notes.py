"""Which published release notes apply to an evaluation context: what's new for one user.

A flag document may carry ``notes`` (docs/flag-document.md): the published notes of
its environment, newest first, each with an ``audience`` (``null``: everyone, else a
segment key) and ``features`` (flag keys). A note applies to a context when

- its audience is everyone, or the context is in the audience segment (evaluated
  exactly as a ``segment_match`` clause; a segment missing from the document contains
  nobody); and
- every linked feature is **on** for the context: the flag is in the document, and
  evaluating it gives a served variation (not the caller's default, not ``OFF``, not
  an error) that is not the flag's off-variation and, for a boolean flag, whose value
  is ``true``.

The server and the SDK answer with this one function. Never raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from premiere.engine.compiler import CompiledDocument, compile_document
from premiere.engine.evaluator import evaluate
from premiere.engine.result import ERROR, OFF, PREREQUISITE_FAILED

NOTE_FIELDS = ("id", "release", "title", "body_html", "category", "published_at")


def feature_on(
    compiled: CompiledDocument,
    key: str,
    context: Mapping[str, Any],
    off_variation: int | None,
) -> bool:
    """Whether flag ``key`` is on for ``context`` (the rule in the module's docstring)."""
    result = evaluate(compiled, key, context, None)
    if result.variation is None or result.reason in (OFF, ERROR, PREREQUISITE_FAILED):
        return False
    if off_variation is not None and result.variation == off_variation:
        return False
    if compiled.kinds.get(key) == "boolean":
        return result.value is True
    return True


def audience_document(notes: Sequence[Any], segments: Mapping[str, Any]) -> CompiledDocument:
    """A small compiled document with one boolean flag per audience segment of
    ``notes`` (``audience.<segment>``: true for the segment's members)."""
    audiences: set[str] = {
        n["audience"]
        for n in notes
        if isinstance(n, Mapping) and isinstance(n.get("audience"), str)
    }
    flags = {
        f"audience.{key}": {
            "key": f"audience.{key}",
            "kind": "boolean",
            "on": True,
            "variations": [{"value": False}, {"value": True}],
            "rules": [
                {
                    "id": "member",
                    "clauses": [{"op": "segment_match", "values": [key]}],
                    "serve": {"variation": 1},
                }
            ],
            "fallthrough": {"variation": 0},
        }
        for key in audiences
    }
    used = {key: segments[key] for key in audiences if key in segments}
    return compile_document({"flags": flags, "segments": used})


def notes_for(
    notes: Sequence[Any],
    compiled: CompiledDocument,
    audiences: CompiledDocument,
    context: Mapping[str, Any],
    off_variations: Mapping[str, int | None],
) -> list[dict[str, Any]]:
    """The notes of ``notes`` that apply to ``context``, in the given order (newest
    first in a document), each as the public fields plus ``audience`` and ``features``.

    ``compiled`` is the compiled flag document, ``audiences`` :func:`audience_document`
    of the same document, ``off_variations`` each flag's off-variation index.
    """
    out: list[dict[str, Any]] = []
    if not isinstance(context, Mapping):
        return out
    for note in notes:
        if not isinstance(note, Mapping):
            continue
        audience = note.get("audience")
        if audience is not None and not isinstance(audience, str):
            continue
        if isinstance(audience, str) and not feature_on(
            audiences, f"audience.{audience}", context, None
        ):
            continue
        features = note.get("features") or []
        if not isinstance(features, list) or not all(
            isinstance(k, str) and feature_on(compiled, k, context, off_variations.get(k))
            for k in features
        ):
            continue
        view = {field: note.get(field) for field in NOTE_FIELDS}
        view["audience"] = audience
        view["features"] = list(features)
        out.append(view)
    return out


def off_variations_of(flags: Mapping[str, Any]) -> dict[str, int | None]:
    """Each flag's ``off_variation`` (an index, or None) in a document's ``flags``."""
    out: dict[str, int | None] = {}
    for key, flag in flags.items():
        value = flag.get("off_variation") if isinstance(flag, Mapping) else None
        out[key] = value if type(value) is int else None
    return out
