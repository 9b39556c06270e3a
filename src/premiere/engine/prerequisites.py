"""Prerequisites: each named flag must be on and serve the given variation.

"On" means effectively on: a prerequisite whose own result is ``OFF``,
``PREREQUISITE_FAILED`` or ``ERROR`` is not met. A cycle met during evaluation, or a
chain of more than :data:`MAX_DEPTH` flags (the evaluated flag included), makes the
evaluation an ``ERROR``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from premiere.engine.operators import Context
from premiere.engine.result import (
    ERROR,
    OFF,
    PREREQUISITE_CYCLE,
    PREREQUISITE_FAILED,
    PREREQUISITE_TOO_DEEP,
    EvaluationResult,
    error_result,
)

MAX_DEPTH = 64

Runner = Callable[[Context, Any, tuple[str, ...]], EvaluationResult]
_NOT_MET = (OFF, PREREQUISITE_FAILED, ERROR)
_PROPAGATED = (PREREQUISITE_CYCLE, PREREQUISITE_TOO_DEEP)


def compile_prerequisites(
    key: str,
    prerequisites: list[Mapping[str, Any]],
    values: list[Any],
    off_index: int | None,
    runners: Mapping[str, Runner],
    body: Runner,
) -> Runner:
    """Wrap ``body`` so that it runs only when every prerequisite is met."""
    required = [(p["key"], p["variation"]) for p in prerequisites]
    failed: dict[str, EvaluationResult] = {}
    if off_index is not None:
        for name, _ in required:
            failed[name] = EvaluationResult(
                values[off_index], off_index, PREREQUISITE_FAILED, prerequisite_key=name
            )

    def run(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        inner = (*stack, key)
        for name, variation in required:
            if name in inner:
                return error_result(default, PREREQUISITE_CYCLE)
            if len(inner) >= MAX_DEPTH:
                return error_result(default, PREREQUISITE_TOO_DEEP)
            runner = runners.get(name)
            result = None if runner is None else runner(ctx, None, inner)
            if result is not None and result.error_code in _PROPAGATED:
                return error_result(default, result.error_code)
            if result is None or result.variation != variation or result.reason in _NOT_MET:
                hit = failed.get(name)
                if hit is not None:
                    return hit
                return EvaluationResult(default, None, PREREQUISITE_FAILED, prerequisite_key=name)
        return body(ctx, default, stack)

    return run
