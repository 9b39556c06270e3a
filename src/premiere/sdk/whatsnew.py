"""What's new, computed locally: the published notes of the document that apply to a
context (``Client.whats_new``), with the engine's rule (premiere/engine/notes.py), so
that the answer equals the server's ``POST /api/v1/whats-new`` for the same document
and context. No network call; never raises."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from premiere import engine
from premiere.sdk.document import Snapshot


def local_whats_new(
    snapshot: Snapshot | None, context: Any, log: logging.Logger
) -> list[dict[str, Any]]:
    """The notes that apply to ``context``, newest first; ``[]`` when there is no
    document yet, the context is not an object, or anything goes wrong."""
    if snapshot is None or not snapshot.notes or not isinstance(context, Mapping):
        return []
    audiences = snapshot.audiences or engine.compile_document({})
    try:
        return engine.notes_for(
            snapshot.notes, snapshot.compiled, audiences, dict(context), snapshot.off_variations
        )
    except Exception:  # a context whose mapping methods misbehave
        log.exception("premiere: what's new failed")
        return []
