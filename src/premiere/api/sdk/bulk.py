"""OFREP bulk evaluation's answer (``POST /ofrep/v1/evaluate/flags``), encoded.

The route (:mod:`premiere.api.sdk.ofrep`) and the fast path
(:mod:`premiere.api.sdk.fastpath`) answer with these functions, so with the same bytes
and headers:

- the ETag (:func:`bulk_etag`: environment, document version, audience and a hash of
  the ``context`` sent) is computed before anything is evaluated, and a matching
  ``If-None-Match`` is answered 304 without evaluating;
- the body is joined from encoded items (:class:`BulkAnswers`): each flag's answer is
  encoded once per compiled document and distinct result (variation, reason, rule,
  prerequisite), then reused by every request that gets the same result, so a request
  costs the evaluations and a join, not a JSON encoding of every answer.

The route evaluates on the evaluation threads (:mod:`premiere.api.sdk.ofrep`); the fast
path evaluates a small request (a body of at most ``INLINE_CONTEXT_BYTES``, a document
of at most :data:`INLINE_BULK_FLAGS` flags: tens of microseconds) on the event loop.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from premiere.api.sdk.answers import OfrepError, encode_json, resolve, success
from premiere.api.sdk.documents import etag_matches
from premiere.services.sdk.compiled import CacheKey, CompiledFlags

BULK_PATH = "/ofrep/v1/evaluate/flags"
INLINE_BULK_FLAGS = 100
"""The fast path evaluates documents of at most this many flags on the event loop."""
BULK_ANSWERS = "ofrep_bulk_answers"
"""``app.state`` attribute: the app's :class:`BulkAnswers`."""

Headers = list[tuple[bytes, bytes]]


def bulk_etag(flags: CompiledFlags, context: Any) -> str:
    """Strong tag of a bulk answer: document version, audience and the context sent.

    The filled-in ``now`` is not part of it: a client polling with If-None-Match sees
    a change when the flags or its context change."""
    canonical = json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    audience = "client" if flags.client_only else "server"
    return f'"{flags.project}/{flags.environment}/{flags.version}/{audience}/{digest}"'


def not_modified(if_none_match: str | None, etag: str) -> bool:
    return if_none_match is not None and etag_matches(if_none_match, etag)


def bulk_headers(etag: str, body: bytes | None = None) -> Headers:
    """The headers of a bulk answer: a 304's, or a 200's with ``body``."""
    headers = [
        (b"etag", etag.encode("latin-1")),
        (b"cache-control", b"no-cache"),
        (b"vary", b"Authorization, X-API-Key"),
    ]
    if body is not None:
        headers += [(b"content-length", str(len(body)).encode()), _JSON]
    return headers


_JSON = (b"content-type", b"application/json")


def bulk_answers_of(app: Any) -> BulkAnswers:
    """The app's :class:`BulkAnswers` (made at first use)."""
    found: BulkAnswers | None = getattr(app.state, BULK_ANSWERS, None)
    if found is None:
        found = BulkAnswers()
        setattr(app.state, BULK_ANSWERS, found)
    return found


class BulkAnswers:
    """The encoded answers of the current compiled document of each environment and
    audience, one per flag and distinct result; safe to use from several threads (a race
    encodes the same item twice, to the same bytes)."""

    def __init__(self) -> None:
        self._documents: dict[CacheKey, _Encoded] = {}

    def encode(self, flags: CompiledFlags, context: dict[str, Any]) -> bytes:
        """``{"flags": [...]}`` for ``context``: every flag, by key, as JSON bytes."""
        key = (flags.project, flags.environment, flags.client_only)
        encoded = self._documents.get(key)
        if encoded is None or encoded.flags is not flags:
            encoded = _Encoded(flags, tuple(sorted(flags.compiled.runners)))
            self._documents[key] = encoded
        item = encoded.item
        return b'{"flags":[' + b",".join([item(k, context) for k in encoded.keys]) + b"]}"


@dataclass
class _Encoded:
    flags: CompiledFlags
    keys: tuple[str, ...]
    items: dict[tuple[Any, ...], bytes] = field(default_factory=dict)

    def item(self, key: str, context: dict[str, Any]) -> bytes:
        try:
            result = resolve(self.flags, key, context)
        except OfrepError as error:
            return encode_json(error.body(key))
        if result.variation is None:  # the answer holds no value: nothing to share
            return encode_json(success(self.flags, key, result))
        # Everything of the result but its value, which is the variation's.
        signature = (key, *result[1:])
        found = self.items.get(signature)
        if found is None:
            found = self.items[signature] = encode_json(success(self.flags, key, result))
        return found
