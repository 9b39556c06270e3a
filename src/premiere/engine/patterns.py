"""Regular expressions of the ``matches`` operator, in RE2 syntax, matched in linear time.

RE2 (https://github.com/google/re2/wiki/Syntax) guarantees time linear in the length of
the input for every pattern: there is no backtracking, so ``^(a+)+$`` is as fast as
``^a+$``. What it gives up for that (backreferences, lookaround) is rejected when the
pattern is checked. The server and every SDK use the same engine, so a pattern means the
same thing everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import re2

__all__ = ["PatternSet", "pattern_problem", "pattern_set"]


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot compile ``pattern`` (its own words), or ``None`` when it can."""
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        return _reason(exc)
    except (UnicodeError, ValueError, TypeError, MemoryError) as exc:
        return str(exc) or type(exc).__name__
    return None


class PatternSet:
    """Patterns searched for together, in one pass over the value (RE2's ``Set``).

    ``search`` tells whether any pattern is found anywhere in the value. A set whose
    patterns cannot be compiled (they failed validation, which keeps such flags from
    being compiled at all) finds nothing.
    """

    __slots__ = ("_set",)

    def __init__(self, patterns: Iterable[str]) -> None:
        self._set = _build(list(patterns))

    def search(self, value: str) -> bool:
        compiled = self._set
        if compiled is None:
            return False
        # surrogatepass: a lone surrogate (valid JSON) is not valid UTF-8; RE2 reads
        # such bytes as matching nothing but themselves rather than failing.
        return compiled.Match(value.encode("utf-8", "surrogatepass")) is not None


@functools.lru_cache(maxsize=4096)
def pattern_set(patterns: tuple[str, ...]) -> PatternSet:
    """The compiled set of ``patterns``, shared: documents repeat the same patterns in many
    clauses and on every update, and a compiled set is immutable and thread-safe."""
    return PatternSet(patterns)


def _build(patterns: list[str]) -> Any:
    if not patterns:
        return None
    try:
        compiled = re2.Set.SearchSet(_OPTIONS)
        for pattern in patterns:
            compiled.Add(pattern)
        compiled.Compile()
    except (re2.error, UnicodeError, ValueError, TypeError, MemoryError):
        return None
    return compiled


def _reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else exc
    if isinstance(reason, bytes):
        return reason.decode("utf-8", "replace")
    return str(reason)


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a rejected pattern is reported to the caller, not stderr
    return options


_OPTIONS = _options()
