"""A pure ASGI fast path for the SDK hot paths: OFREP evaluation (one flag, and bulk),
and the flag document's 304.

``POST /ofrep/v1/evaluate/flags/{key}`` is what OFREP providers call per evaluation,
so it is answered here, before routing and dependency injection, whenever everything
it needs is in memory: a token authenticated moments ago
(:func:`premiere.services.people.tokens.authenticate_cached`), the compiled document of the
current version, and a context of at most
:data:`premiere.api.sdk.ofrep.INLINE_CONTEXT_BYTES` (evaluated here, on the event loop: a
small context keeps the evaluation short). The client address's rate limit is checked
first, before anything is parsed or evaluated. Anything else (no or unknown token, wrong scope,
a document to read, a larger context, 429) goes on to the route in
:mod:`premiere.api.sdk.ofrep` with the body replayed, which answers it exactly as it always
has; an OFREP error found here is answered here (the request was counted against the
rate limit already). Both paths produce the same bytes.

``POST /ofrep/v1/evaluate/flags`` (bulk) is answered here on the same conditions, with
the functions the route uses (:mod:`premiere.api.sdk.bulk`): the ETag before anything
is evaluated (304 when ``If-None-Match`` matches), then the encoded answers joined. A
body that does not parse goes on to the route, which answers the error; so does a 429.

``GET /api/v1/sdk/flags`` without query parameters, from an ``sdk-*`` token seen
moments ago, whose ``If-None-Match`` matches the current version, is answered 304 here;
every other request goes to the route in :mod:`premiere.api.sdk.documents`.

Whatever must be read again when its time in memory runs out (a token every 5 s, a
document version every 0.5 s) is read once, in a worker thread, however many requests
need it at that moment; a token's requests meanwhile are answered as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from premiere.api.auth import SDK_CLIENT, SDK_SERVER
from premiere.api.sdk.answers import (
    OfrepError,
    body_context,
    context_of,
    encode_json,
    evaluate_one,
    evaluation_context,
)
from premiere.api.sdk.bulk import (
    BULK_PATH,
    INLINE_BULK_FLAGS,
    bulk_answers_of,
    bulk_etag,
    bulk_headers,
    not_modified,
)
from premiere.api.sdk.documents import document_etag, etag_matches, versions_of
from premiere.api.sdk.ofrep import INLINE_CONTEXT_BYTES, client_address, services_of
from premiere.errors import RateLimitedError
from premiere.services.people.tokens import (
    TokenInfo,
    authenticate,
    authenticate_cached,
    authenticate_stale,
    forget_cached_token,
)

PREFIX = "/ofrep/v1/evaluate/flags/"
DOCUMENT_PATH = "/api/v1/sdk/flags"
_JSON = (b"content-type", b"application/json")


class OfrepFastPath:
    """Outside :class:`premiere.api.limits.BodySizeLimit`: it answers only bodies of at
    most ``max_body_bytes`` and hands every other to the limit (413) as it came."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.inline_bytes = min(INLINE_CONTEXT_BYTES, max_body_bytes)
        self._refreshing: dict[str, asyncio.Future[Any]] = {}
        self._reading: dict[tuple[str, str], asyncio.Future[int]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        if path == DOCUMENT_PATH and scope["method"] == "GET" and not scope["query_string"]:
            await self._document(scope, receive, send)
        elif scope["method"] == "POST" and path.startswith(PREFIX):
            await self._evaluate(scope, receive, send, path[len(PREFIX) :])
        elif scope["method"] == "POST" and path == BULK_PATH:
            await self._evaluate(scope, receive, send, None)
        else:
            await self.app(scope, receive, send)

    def _token(self, scope: Scope, raw: str | None) -> TokenInfo | None:
        """The SDK token ``raw`` authenticated moments ago, or ``None`` for the route.

        When its cache time has just run out, it is read again once, in a worker thread,
        while the requests meanwhile are answered as before (never more than one read
        per token however many requests come: no stampede on the database)."""
        store = getattr(getattr(scope.get("app"), "state", None), "store", None)
        if not raw or store is None:
            return None
        token = authenticate_cached(store, raw)
        if token is None:
            token = authenticate_stale(store, raw)
            if token is not None and raw not in self._refreshing:
                self._refresh(store, raw)
        return token if token is not None and token.scope in (SDK_SERVER, SDK_CLIENT) else None

    def _refresh(self, store: Any, raw: str) -> None:
        async def refresh() -> None:
            try:
                await run_in_threadpool(authenticate, store, raw)
            except Exception:  # revoked, unknown, or no database: the route will say
                forget_cached_token(store, raw)
            finally:
                self._refreshing.pop(raw, None)

        self._refreshing[raw] = asyncio.ensure_future(refresh())

    async def _document(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = self._token(scope, _raw_token(scope))
        if_none_match = _header(scope, b"if-none-match")
        headers = None
        if token is not None and token.project and token.environment and if_none_match:
            version = await self._version(scope["app"], token.project, token.environment)
            if version is not None:
                headers = _not_modified(token, version, if_none_match)
        if headers is None:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _version(self, app: Any, project: str, environment: str) -> int | None:
        """The environment's document version: from memory, or read once in a worker
        thread however many requests wait for it; ``None`` if that fails (the route
        will say why)."""
        versions = versions_of(app)
        version = versions.cached_version(project, environment)
        if version is not None:
            return version
        key = (project, environment)
        pending = self._reading.get(key)
        if pending is None or pending.get_loop() is not asyncio.get_running_loop():
            pending = asyncio.ensure_future(run_in_threadpool(versions.version, *key))
            self._reading[key] = pending
            pending.add_done_callback(lambda _: self._reading.pop(key, None))
        try:
            return await asyncio.shield(pending)
        except Exception:
            return None

    async def _evaluate(self, scope: Scope, receive: Receive, send: Send, key: str | None) -> None:
        """One flag's evaluation (``key``), or every flag's (``None``)."""
        raw = _raw_token(scope) if key is None or (key and "/" not in key) else None
        token = self._token(scope, raw)
        if token is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False) or len(body) > self.inline_bytes:
                break
        answer = None
        last = messages[-1]
        complete = last["type"] == "http.request" and not last.get("more_body", False)
        if complete and len(body) <= self.inline_bytes:
            if key is None:
                answer = await _answer_bulk(scope, token, body)
            else:
                answer = await _answer(scope, token, key, body)
        if answer is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        status, headers, content = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def _answer(scope: Scope, token: TokenInfo, key: str, body: bytes) -> Answer | None:
    """The status and body of an evaluation answered from memory, or ``None``."""
    project, environment = token.project, token.environment
    if project is None or environment is None or len(body) > INLINE_CONTEXT_BYTES:
        return None
    services = services_of(scope["app"])
    try:
        services.limiter.check(client_address(scope))
    except RateLimitedError:
        return None  # the route answers 429
    try:
        context = evaluation_context(body)
        client_only = token.scope == SDK_CLIENT
        flags = await services.flags(project, environment, client_only=client_only)
        payload = evaluate_one(flags, key, context)
    except OfrepError as error:
        return _encoded(error.status, encode_json(error.body(key)))
    return _encoded(200, encode_json(payload))


def _encoded(status: int, content: bytes) -> Answer:
    return status, [(b"content-length", str(len(content)).encode()), _JSON], content


async def _answer_bulk(scope: Scope, token: TokenInfo, body: bytes) -> Answer | None:
    """Every flag's answer from memory, or ``None`` for the route (errors, 429)."""
    project, environment = token.project, token.environment
    if project is None or environment is None or len(body) > INLINE_CONTEXT_BYTES:
        return None
    app = scope["app"]
    services = services_of(app)
    try:
        raw = body_context(body)
        context = context_of(raw)
        services.limiter.check(client_address(scope))
    except (OfrepError, RateLimitedError):
        return None  # the route answers the error, or 429
    flags = await services.flags(project, environment, client_only=token.scope == SDK_CLIENT)
    etag = bulk_etag(flags, raw)
    if not_modified(_header(scope, b"if-none-match"), etag):
        return 304, bulk_headers(etag), b""
    encode = bulk_answers_of(app).encode
    if len(flags.compiled.runners) <= INLINE_BULK_FLAGS:
        content = encode(flags, context)
    else:
        content = await services.in_thread(encode, flags, context)
    return 200, bulk_headers(etag, content), content


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            text: str = value.decode("latin-1")
            return text
    return None


def _not_modified(
    token: TokenInfo, version: int, if_none_match: str
) -> list[tuple[bytes, bytes]] | None:
    """The headers of a 304 for the flag document, or ``None`` if the route must answer."""
    assert token.project is not None and token.environment is not None
    client_only = token.scope == SDK_CLIENT
    etag = document_etag(token.project, token.environment, version, client_only=client_only)
    if not etag_matches(if_none_match, etag):
        return None
    return [
        (b"etag", etag.encode("latin-1")),
        (b"cache-control", b"no-cache"),
        (b"vary", b"Authorization, X-API-Key"),
    ]


def _raw_token(scope: Scope) -> str | None:
    """As :func:`premiere.api.auth.raw_token`: the first Authorization header if it is a
    Bearer token, else the first X-API-Key header."""
    api_key: str | None = None
    seen_authorization = False
    for name, value in scope["headers"]:
        if name == b"authorization" and not seen_authorization:
            seen_authorization = True
            text: str = value.decode("latin-1")
            scheme, _, credentials = text.partition(" ")
            credentials = credentials.strip()
            if scheme.lower() == "bearer" and credentials:
                return credentials
        elif name == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
    return api_key.strip() if api_key else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
