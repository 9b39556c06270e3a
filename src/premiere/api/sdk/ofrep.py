"""OpenFeature Remote Evaluation Protocol (OFREP): ``/ofrep/v1/evaluate/flags[/{key}]``.

Any OpenFeature OFREP provider evaluates Premiere flags on the server through these
two endpoints (docs/ofrep.md). Callers authenticate with an ``sdk-server`` or
``sdk-client`` token (``Authorization: Bearer`` or ``X-API-Key``); the environment is
the token's, and ``sdk-client`` tokens see only client-visible flags.

The request context's ``targetingKey`` becomes the evaluation context's ``key``; other
attributes are passed as given, and ``now`` (Unix milliseconds) is filled in when
absent. Evaluation uses the environment's compiled document of the current version
(:mod:`premiere.services.sdk.compiled`), never a compilation per request. Each
client address may make ``rate_per_second`` requests a second (bursts of ``burst``),
however many tokens it uses and however many clients share a token, beyond which the
answer is 429 with ``Retry-After`` in seconds; the limit is checked before anything is
evaluated. Bulk evaluation's route and answer are in :mod:`premiere.api.sdk.bulk`.

Evaluation is bounded work kept off the event loop when it can be long (docs/ofrep.md):
a request body over ``max_context_bytes`` is refused (400 ``INVALID_CONTEXT``); a single
flag with a context of at most :data:`INLINE_CONTEXT_BYTES` is evaluated in place (its
cost is a few clauses over a small context: microseconds); larger contexts, and bulk
evaluations the fast path does not answer, run on at most :data:`EVALUATION_THREADS`
worker threads of their own, so that they never hold up other requests nor take the
threads the rest of the API uses.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from premiere import engine
from premiere.api.auth import SDK_CLIENT, SDK_SERVER, authenticate_request
from premiere.api.models import answers
from premiere.api.sdk.models import OfrepEvaluation, OfrepFailure
from premiere.errors import PermissionDeniedError, RateLimitedError
from premiere.services.sdk.compiled import CompiledDocuments, CompiledFlags
from premiere.services.tokens import TokenInfo
from premiere.services.validation import surrogate_paths

router = APIRouter(prefix="/ofrep/v1", tags=["ofrep"])

OFREP_SETTINGS = "ofrep_settings"
"""``app.state`` attribute: :class:`OfrepSettings` for the app (defaults if unset)."""

PARSE_ERROR = "PARSE_ERROR"
TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"
INVALID_CONTEXT = "INVALID_CONTEXT"
GENERAL = "GENERAL"
FLAG_NOT_FOUND = "FLAG_NOT_FOUND"

INLINE_CONTEXT_BYTES = 2048
"""A single-flag evaluation with a request body up to this size runs on the event loop."""
EVALUATION_THREADS = 2
"""Worker threads for larger and bulk evaluations (CPU-bound: more would not go faster)."""

T = TypeVar("T")


@dataclass(frozen=True)
class OfrepSettings:
    rate_per_second: float = 20_000.0
    """Sustained requests per second per client address; 0 switches the limit off."""
    burst: int = 40_000
    """Requests a client address may make at once before the sustained rate applies."""
    max_context_bytes: int = 65_536
    """The largest request body evaluated; larger ones are 400 ``INVALID_CONTEXT``."""


class OfrepError(Exception):
    """An OFREP evaluation failure: ``{"key"?, "errorCode", "errorDetails"}``."""

    def __init__(self, status: int, code: str, details: str) -> None:
        super().__init__(details)
        self.status, self.code, self.details = status, code, details


class RateLimiter:
    """A token bucket per client address."""

    def __init__(self, rate_per_second: float, burst: int) -> None:
        self.rate = rate_per_second
        self.burst = max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float | None = None) -> None:
        """Take one request from ``client``'s bucket, or raise ``RateLimitedError``."""
        if self.rate <= 0:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                retry_after = max(1, math.ceil((1 - tokens) / self.rate))
                raise RateLimitedError(
                    f"more than {self.rate:g} evaluations a second from this client address",
                    retry_after,
                )
            self._buckets[client] = (tokens - 1, now)


def client_address(scope: Mapping[str, Any]) -> str:
    """The connection's source address (the rate limit's key); ``""`` when unknown."""
    client = scope.get("client")
    return str(client[0]) if client else ""


@dataclass(frozen=True)
class _Services:
    documents: CompiledDocuments
    limiter: RateLimiter
    max_context_bytes: int = OfrepSettings.max_context_bytes
    refreshing: dict[tuple[str, str, bool], asyncio.Future[CompiledFlags]] = field(
        default_factory=dict
    )
    evaluations: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(EVALUATION_THREADS, "premiere-evaluation")
    )

    def context(self, body: bytes) -> dict[str, Any]:
        """:func:`evaluation_context`, refusing a body over ``max_context_bytes``."""
        return context_of(self.raw_context(body))

    def raw_context(self, body: bytes) -> Any:
        """:func:`body_context`, refusing a body over ``max_context_bytes``."""
        if len(body) > self.max_context_bytes:
            raise OfrepError(
                400,
                INVALID_CONTEXT,
                f"the request body is larger than {self.max_context_bytes} bytes",
            )
        return body_context(body)

    async def in_thread(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` on one of the evaluation threads (exceptions pass through)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.evaluations, functools.partial(func, *args))

    async def flags(self, project: str, environment: str, *, client_only: bool) -> CompiledFlags:
        """The environment's current compiled document: from memory when its version is
        fresh; otherwise read once in a worker thread, however many requests wait."""
        cached = self.documents.cached(project, environment, client_only=client_only)
        if cached is not None:
            return cached
        key = (project, environment, client_only)
        pending = self.refreshing.get(key)
        if pending is None or pending.get_loop() is not asyncio.get_running_loop():
            pending = asyncio.ensure_future(
                run_in_threadpool(self.documents.get, project, environment, client_only=client_only)
            )
            self.refreshing[key] = pending
            pending.add_done_callback(lambda _: self.refreshing.pop(key, None))
        return await asyncio.shield(pending)


def services_of(app: Any) -> _Services:
    """The OFREP services of ``app`` (made at first use, and again for a new store)."""
    state = app.state
    store = state.store
    services: _Services | None = getattr(state, "ofrep_services", None)
    if services is None or services.documents.store is not store:
        settings = getattr(state, OFREP_SETTINGS, None) or OfrepSettings()
        limiter = RateLimiter(settings.rate_per_second, settings.burst)
        services = _Services(CompiledDocuments(store), limiter, settings.max_context_bytes)
        state.ofrep_services = services
    return services


async def ofrep_caller(request: Request) -> OfrepCaller:
    """The calling token and the app's services, or 401/403/429.

    Done by hand rather than with dependencies: this is the hot path of server-side
    evaluation, and a token authenticated moments ago is answered from memory."""
    token = await authenticate_request(request)
    if token.scope not in {SDK_SERVER, SDK_CLIENT} or token.environment is None:
        raise PermissionDeniedError(
            "OFREP needs an sdk-server or sdk-client token", {"scope": token.scope}
        )
    services = services_of(request.app)
    services.limiter.check(client_address(request.scope))
    return OfrepCaller(token, services)


@dataclass(frozen=True)
class OfrepCaller:
    token: TokenInfo
    services: _Services

    def flags(self) -> CompiledFlags:
        assert self.token.project is not None and self.token.environment is not None
        return self.services.documents.get(
            self.token.project, self.token.environment, client_only=self.token.scope == SDK_CLIENT
        )

    async def current_flags(self) -> CompiledFlags:
        """:meth:`flags`, from memory when it can, else in a worker thread."""
        token = self.token
        assert token.project is not None and token.environment is not None
        return await self.services.flags(
            token.project, token.environment, client_only=token.scope == SDK_CLIENT
        )


_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}]
OFREP_OPENAPI: dict[str, Any] = {"security": _SECURITY}


@router.post(
    "/evaluate/flags/{key}",
    summary="Evaluate one flag (OFREP single flag evaluation)",
    responses={
        200: {"model": OfrepEvaluation},
        400: {
            "model": OfrepFailure,
            "description": "PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT or GENERAL",
        },
        404: {"model": OfrepFailure, "description": "FLAG_NOT_FOUND"},
        **answers(None, 401, 403, 422, 429),
    },
    openapi_extra=OFREP_OPENAPI,
)
async def evaluate_flag(key: str, request: Request) -> Response:
    caller = await ofrep_caller(request)
    body = await request.body()
    try:
        context = caller.services.context(body)
        flags = await caller.current_flags()
        if len(body) <= INLINE_CONTEXT_BYTES:
            payload = evaluate_one(flags, key, context)
        else:
            payload = await caller.services.in_thread(evaluate_one, flags, key, context)
    except OfrepError as error:
        failure = {"key": key, "errorCode": error.code, "errorDetails": error.details}
        return ofrep_json(failure, error.status)
    return ofrep_json(payload)


def ofrep_json(payload: Any, status: int = 200) -> Response:
    return Response(encode_json(payload), status, media_type="application/json")


def encode_json(payload: Any) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode()


# evaluation ----------------------------------------------------------------------


def evaluate_one(flags: CompiledFlags, key: str, context: dict[str, Any]) -> dict[str, Any]:
    """The answer for one flag (:func:`success`), or ``OfrepError``."""
    return success(flags, key, resolve(flags, key, context))


def resolve(flags: CompiledFlags, key: str, context: dict[str, Any]) -> engine.EvaluationResult:
    """The engine's result for one flag, or ``OfrepError`` when it is no answer."""
    if key not in flags.compiled.runners:
        raise OfrepError(404, FLAG_NOT_FOUND, f"flag {key!r} does not exist in this environment")
    if key in flags.reads_key and "key" not in context:
        raise OfrepError(
            400,
            TARGETING_KEY_MISSING,
            f"flag {key!r} targets by key: the context needs a targetingKey",
        )
    result = engine.evaluate(flags.compiled, key, context, None)
    code = engine.openfeature_error_code(result)
    if code is not None:
        raise OfrepError(400, _failure_code(code), f"{result.error_code}: flag {key!r}")
    return result


def success(flags: CompiledFlags, key: str, result: engine.EvaluationResult) -> dict[str, Any]:
    flag = flags.document["flags"][key]
    payload: dict[str, Any] = {
        "key": key,
        "reason": engine.openfeature_reason(result),
        "variant": _variant(flag, result.variation),
        "metadata": _metadata(flag, result),
    }
    if result.variation is not None:  # no value: the caller's default stands
        payload["value"] = result.value
    return payload


def _variant(flag: Mapping[str, Any], variation: int | None) -> str | None:
    if variation is None:
        return None
    name = flag["variations"][variation].get("name")
    return name if isinstance(name, str) and name else str(variation)


def _metadata(flag: Mapping[str, Any], result: engine.EvaluationResult) -> dict[str, Any]:
    metadata: dict[str, Any] = {"reasonKind": result.reason}
    if isinstance(flag.get("version"), int):
        metadata["flagVersion"] = flag["version"]
    if result.variation is not None:
        metadata["variation"] = result.variation
    if result.rule_id is not None:
        metadata["ruleId"] = result.rule_id
    if result.prerequisite_key is not None:
        metadata["prerequisiteKey"] = result.prerequisite_key
    return metadata


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
