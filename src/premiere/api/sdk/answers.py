"""OFREP's answers, made in one place for the route (:mod:`premiere.api.sdk.ofrep`) and
the fast path (:mod:`premiere.api.sdk.fastpath`), so that both give the same bytes:
the evaluation of one flag or of all, their success and failure bodies, and the
evaluation context read from a request body. Shapes as in OFREP's OpenAPI document
(docs/ofrep.md; checked against it by tests/api/test_ofrep_schema.py).
"""

from __future__ import annotations

import json
import time
from typing import Any

from premiere import engine
from premiere.engine.result import error_result
from premiere.services.sdk.compiled import CompiledFlags
from premiere.services.validation import surrogate_paths

PARSE_ERROR = "PARSE_ERROR"
TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"
INVALID_CONTEXT = "INVALID_CONTEXT"
GENERAL = "GENERAL"
FLAG_NOT_FOUND = "FLAG_NOT_FOUND"


class OfrepError(Exception):
    """An OFREP evaluation failure: ``{"key"?, "errorCode", "errorDetails", "metadata"?}``."""

    def __init__(
        self, status: int, code: str, details: str, metadata: engine.FlagMetadata | None = None
    ) -> None:
        super().__init__(details)
        self.status, self.code, self.details, self.metadata = status, code, details, metadata

    def body(self, key: str | None) -> dict[str, Any]:
        """The answer's body: with ``key`` for one flag, without it for a whole request."""
        failure: dict[str, Any] = {} if key is None else {"key": key}
        failure["errorCode"] = self.code
        failure["errorDetails"] = self.details
        if self.metadata is not None:
            failure["metadata"] = self.metadata
        return failure


def encode_json(payload: Any) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode()


# evaluation ----------------------------------------------------------------------


def evaluate_one(flags: CompiledFlags, key: str, context: dict[str, Any]) -> dict[str, Any]:
    """The answer for one flag, or raise its :class:`OfrepError`."""
    return success(flags, key, resolve(flags, key, context))


def resolve(flags: CompiledFlags, key: str, context: dict[str, Any]) -> engine.EvaluationResult:
    """The engine's result for one flag, or :class:`OfrepError` when it is no answer:
    no such flag, no targeting key for a flag that needs one, an engine error, or a
    served JSON array (OFREP's object values are JSON objects: docs/ofrep.md)."""
    if key not in flags.compiled.runners:
        raise OfrepError(
            404,
            FLAG_NOT_FOUND,
            f"flag {key!r} does not exist in this environment",
            engine.flag_metadata(error_result(None, FLAG_NOT_FOUND)),
        )
    if key in flags.reads_key and "key" not in context:
        raise OfrepError(
            400,
            TARGETING_KEY_MISSING,
            f"flag {key!r} targets by key: the context needs a targetingKey",
            engine.flag_metadata(error_result(None, TARGETING_KEY_MISSING)),
        )
    result = engine.evaluate(flags.compiled, key, context, None)
    code = engine.openfeature_error_code(result)
    if code is not None:
        details = f"{result.error_code}: flag {key!r}"
        raise OfrepError(400, _failure_code(code), details, engine.flag_metadata(result))
    if result.variation is not None and type(result.value) is list:
        details = f"flag {key!r} serves a JSON array, which OFREP cannot carry"
        raise OfrepError(400, GENERAL, details, _metadata(flags, key, result))
    return result


def evaluate_all(flags: CompiledFlags, context: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for key in sorted(flags.compiled.runners):
        try:
            items.append(evaluate_one(flags, key, context))
        except OfrepError as error:
            items.append(error.body(key))
    return items


def success(flags: CompiledFlags, key: str, result: engine.EvaluationResult) -> dict[str, Any]:
    """OFREP's ``evaluationSuccess`` for a result of :func:`resolve`: ``value`` and
    ``variant`` when a variation was served; neither when none was (off without an
    off-variation, a failed prerequisite without one): OFREP's ``codeDefaultFlag``, the
    caller's default stands. A served JSON ``null`` keeps its ``variant`` but has no
    ``value`` (OFREP has no null value: the caller's default stands)."""
    payload: dict[str, Any] = {"key": key, "reason": engine.openfeature_reason(result)}
    variation = result.variation
    if variation is not None:
        if result.value is not None:
            payload["value"] = result.value
        name = flags.document["flags"][key]["variations"][variation].get("name")
        payload["variant"] = name if isinstance(name, str) and name else str(variation)
    payload["metadata"] = _metadata(flags, key, result)
    return payload


def _metadata(flags: CompiledFlags, key: str, result: engine.EvaluationResult) -> Any:
    """:func:`premiere.engine.flag_metadata`: the names the SDK's provider uses too."""
    version = flags.document["flags"][key].get("version")
    return engine.flag_metadata(result, version if type(version) is int else None)


def _failure_code(openfeature_code: str) -> str:
    allowed = {PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT, GENERAL}
    return openfeature_code if openfeature_code in allowed else GENERAL


# request bodies ------------------------------------------------------------------


def body_context(body: bytes) -> Any:
    """The ``context`` of a request body as sent (``None`` when absent)."""
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except ValueError as error:
        raise OfrepError(400, PARSE_ERROR, f"the request body is not JSON: {error}") from None
    except RecursionError:
        raise OfrepError(400, PARSE_ERROR, "the request body is nested too deeply") from None
    if not isinstance(data, dict):
        raise OfrepError(400, INVALID_CONTEXT, "the request body must be a JSON object")
    for path in surrogate_paths(data) if _may_hold_surrogates(body) else ():
        code = INVALID_CONTEXT if path.startswith("context") else PARSE_ERROR
        raise OfrepError(400, code, f"{path} holds a lone UTF-16 surrogate (not Unicode text)")
    return data.get("context")


def _may_hold_surrogates(body: bytes) -> bool:
    """False for a body whose text can hold no lone surrogate, without a look at it:
    ASCII without ``\\u`` escapes, nor NUL bytes (which would make it UTF-16 or -32)."""
    return not body.isascii() or b"\\u" in body or b"\x00" in body


def evaluation_context(body: bytes) -> dict[str, Any]:
    """The engine's context: ``targetingKey`` -> ``key``; ``now`` filled in if absent."""
    return context_of(body_context(body))


def context_of(raw: Any) -> dict[str, Any]:
    """:func:`evaluation_context` of a body's ``context`` as sent."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise OfrepError(400, INVALID_CONTEXT, "context must be a JSON object")
    context = {k: v for k, v in raw.items() if k != "targetingKey"}
    if "targetingKey" in raw:
        targeting_key = raw["targetingKey"]
        if not isinstance(targeting_key, str):
            raise OfrepError(400, INVALID_CONTEXT, "context.targetingKey must be a string")
        context["key"] = targeting_key
    context.setdefault("now", int(time.time() * 1000))
    return context
