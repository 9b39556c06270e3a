"""A pure ASGI fast path for OFREP single-flag evaluation.

``POST /ofrep/v1/evaluate/flags/{key}`` is what OFREP providers call per evaluation,
so it is answered here, before routing and dependency injection, whenever everything
it needs is in memory: a token authenticated moments ago
(:func:`premiere.services.tokens.authenticate_cached`), the compiled document of the
current version, and a successful evaluation within the token's rate limit. Anything
else (no or unknown token, wrong scope, a document to read, an OFREP error, 429) goes
on to the route in :mod:`premiere.api.ofrep` with the body replayed, which answers it
exactly as it always has. Both paths produce the same bytes for a success.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from premiere.api.auth import SDK_CLIENT, SDK_SERVER
from premiere.api.ofrep import (
    OfrepError,
    encode_json,
    evaluate_one,
    evaluation_context,
    services_of,
)
from premiere.errors import RateLimitedError
from premiere.services.tokens import TokenInfo, authenticate_cached

PREFIX = "/ofrep/v1/evaluate/flags/"
_MAX_BODY = 64 * 1024  # larger contexts take the ordinary route
_JSON = (b"content-type", b"application/json")


class OfrepFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.startswith(PREFIX)
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        key = path[len(PREFIX) :]
        raw = _raw_token(scope) if key and "/" not in key else None
        app = scope.get("app")
        store = getattr(getattr(app, "state", None), "store", None)
        token = authenticate_cached(store, raw) if raw and store is not None else None
        if token is None or token.scope not in (SDK_SERVER, SDK_CLIENT):
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
            if not message.get("more_body", False) or len(body) > _MAX_BODY:
                break
        answer = None
        if messages[-1]["type"] == "http.request" and not messages[-1].get("more_body", False):
            answer = await _answer(app, token, key, body)
        if answer is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        headers = [_JSON, (b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


async def _answer(app: object, token: TokenInfo, key: str, body: bytes) -> bytes | None:
    """The body of a successful evaluation answered from memory, or ``None``."""
    project, environment = token.project, token.environment
    if project is None or environment is None:
        return None
    services = services_of(app)
    client_only = token.scope == SDK_CLIENT
    try:
        context = evaluation_context(body)
        flags = await services.flags(project, environment, client_only=client_only)
        payload = evaluate_one(flags, key, context)
        services.limiter.check(token.id)
    except (OfrepError, RateLimitedError):
        return None
    return encode_json(payload)


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
