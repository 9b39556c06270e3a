"""Use cases, one module per aggregate; transport-agnostic.

Every function takes the ``Store`` first; mutating ones take the ``Actor`` who acts.
They return JSON-ready dicts shaped like the HTTP representations and raise only
``premiere.errors`` errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["token", "system", "user", "release", "person", "service"]


@dataclass(frozen=True)
class Actor:
    """Who performs a change, as recorded in the audit log."""

    kind: ActorKind
    id: str
    name: str


SYSTEM = Actor(kind="system", id="system", name="premiere")

__all__ = ["SYSTEM", "Actor", "ActorKind"]
