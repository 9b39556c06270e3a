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
evaluated. Bulk answers are encoded by :mod:`premiere.api.sdk.bulk`.

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

from premiere.api.auth import SDK_CLIENT, SDK_SERVER, authenticate_request
from premiere.api.models import answers
from premiere.api.sdk.answers import (
    GENERAL,
    INVALID_CONTEXT,
    OfrepError,
    body_context,
    context_of,
    encode_json,
    evaluate_one,
)
from premiere.api.sdk.bulk import bulk_answers_of, bulk_etag, bulk_headers, not_modified
from premiere.api.sdk.models import OfrepBulk, OfrepEvaluation, OfrepFailure
from premiere.errors import PermissionDeniedError, RateLimitedError
from premiere.services.people.tokens import TokenInfo
from premiere.services.sdk.compiled import CompiledDocuments, CompiledFlags

router = APIRouter(prefix="/ofrep/v1", tags=["ofrep"])

OFREP_SETTINGS = "ofrep_settings"
"""``app.state`` attribute: :class:`OfrepSettings` for the app (defaults if unset)."""

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


async def _caller(request: Request) -> _Caller:
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
    return _Caller(token, services)


@dataclass(frozen=True)
class _Caller:
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
_OPENAPI: dict[str, Any] = {"security": _SECURITY}
_RATE_LIMITED: dict[str, Any] = {
    "model": OfrepFailure,
    "description": "Rate limited (errorCode GENERAL); Retry-After says when to try again.",
}


@router.post(
    # `path`: a key holding an encoded slash (`a%2Fb`), or an empty one (a trailing
    # slash), still reaches this route and is answered FLAG_NOT_FOUND in OFREP's shape.
    "/evaluate/flags/{key:path}",
    summary="Evaluate one flag (OFREP single flag evaluation)",
    responses={
        200: {"model": OfrepEvaluation},
        400: {
            "model": OfrepFailure,
            "description": "PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT or GENERAL",
        },
        404: {"model": OfrepFailure, "description": "FLAG_NOT_FOUND"},
        **answers(None, 401, 403, 422),
        429: _RATE_LIMITED,
    },
    openapi_extra=_OPENAPI,
)
async def evaluate_flag(key: str, request: Request) -> Response:
    try:
        caller = await _caller(request)
    except RateLimitedError as error:
        return rate_limited(error, key)
    body = await request.body()
    try:
        context = caller.services.context(body)
        flags = await caller.current_flags()
        if len(body) <= INLINE_CONTEXT_BYTES:
            payload = evaluate_one(flags, key, context)
        else:
            payload = await caller.services.in_thread(evaluate_one, flags, key, context)
    except OfrepError as error:
        return _json(error.body(key), error.status)
    return _json(payload)


@router.post(
    "/evaluate/flags",
    summary="Evaluate every flag (OFREP bulk evaluation)",
    responses={
        200: {"model": OfrepBulk},
        304: {"description": "Unchanged since the ETag in If-None-Match."},
        400: {"model": OfrepFailure, "description": "PARSE_ERROR or INVALID_CONTEXT"},
        **answers(None, 401, 403),
        429: _RATE_LIMITED,
    },
    openapi_extra=_OPENAPI,
)
async def evaluate_flags(request: Request) -> Response:
    try:
        caller = await _caller(request)
    except RateLimitedError as error:
        return rate_limited(error, None)
    body = await request.body()
    try:
        raw = caller.services.raw_context(body)
        context = context_of(raw)
    except OfrepError as error:
        return _json(error.body(None), error.status)
    flags = await caller.current_flags()
    etag = bulk_etag(flags, raw)  # the same answer as the fast path's: api/sdk/bulk.py
    if not_modified(request.headers.get("if-none-match"), etag):
        return _raw(304, bulk_headers(etag), b"")
    encode = bulk_answers_of(request.app).encode
    encoded = await caller.services.in_thread(encode, flags, context)
    return _raw(200, bulk_headers(etag, encoded), encoded)


def _raw(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Response:
    response = Response(body, status)
    response.raw_headers = headers
    return response


def rate_limited(error: RateLimitedError, key: str | None) -> Response:
    """429 with ``Retry-After`` and an OFREP failure body (``GENERAL``; OFREP has no code
    of its own for it), so that an OFREP client reads it as it reads any failure."""
    failure = OfrepError(429, GENERAL, str(error)).body(key)
    return _json(failure, 429, {"Retry-After": str(error.retry_after_seconds)})


def _json(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(encode_json(payload), status, headers, media_type="application/json")
