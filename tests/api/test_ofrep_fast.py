"""The OFREP fast path (api/sdk/fastpath.py): answers from memory what it can, byte for
byte as the route would, and hands everything else to the route."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from premiere.api.sdk import fastpath as ofrep_fast
from premiere.api.sdk.documents import versions_of
from premiere.api.sdk.ofrep import INLINE_CONTEXT_BYTES, OFREP_SETTINGS, OfrepSettings
from premiere.services.people.tokens import TokenCache, authenticate_stale, use_token_cache
from premiere.store.models import ApiToken

from .support import Api
from .test_ofrep import configure, evaluate, ofrep, server_token  # noqa: F401

BODY = {"context": {"targetingKey": "ann"}}


@pytest.fixture
def fast_answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Keys the fast path evaluated."""
    seen: list[str] = []
    original: Callable[..., Any] = ofrep_fast.evaluate_one

    def spy(flags: Any, key: str, context: Any) -> Any:
        seen.append(key)
        return original(flags, key, context)

    monkeypatch.setattr(ofrep_fast, "evaluate_one", spy)
    return seen


def test_ofrep_fast__token_seen_before__answered_from_memory_same_bytes(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    first = evaluate(ofrep, server_token, "dark-mode", BODY)
    second = evaluate(ofrep, server_token, "dark-mode", BODY)

    assert fast_answers == ["dark-mode"]
    assert (first.status_code, first.content) == (second.status_code, second.content)
    assert first.headers["content-type"] == second.headers["content-type"]
    assert first.headers["content-length"] == second.headers["content-length"]


def test_ofrep_fast__api_key_header__answered_from_memory(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    headers = {"X-API-Key": server_token}
    first = ofrep.client.request(
        "POST", "/ofrep/v1/evaluate/flags/banner", json=BODY, headers=headers
    )
    second = ofrep.client.request(
        "POST", "/ofrep/v1/evaluate/flags/banner", json=BODY, headers=headers
    )

    assert fast_answers == ["banner"]
    assert first.content == second.content


def test_ofrep_fast__revoked_after_use__refused_at_once(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
) -> None:
    evaluate(ofrep, server_token, "dark-mode", BODY)
    token_id = server_token.split("_")[1]
    ofrep.ok(ofrep.delete(f"/api/v1/tokens/{token_id}"))

    response = evaluate(ofrep, server_token, "dark-mode", BODY)

    assert response.status_code == 401


def test_ofrep_fast__unknown_flag__route_answers_flag_not_found(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    evaluate(ofrep, server_token, "dark-mode", BODY)

    response = evaluate(ofrep, server_token, "nope", BODY)

    assert response.status_code == 404
    assert response.json()["errorCode"] == "FLAG_NOT_FOUND"
    assert fast_answers == ["nope"]  # answered by the fast path


def test_ofrep_fast__ofrep_error__same_bytes_as_the_route(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    by_route = evaluate(ofrep, server_token, "nope", BODY)  # token not seen yet: the route

    by_fast_path = evaluate(ofrep, server_token, "nope", BODY)

    assert fast_answers == ["nope"]
    assert (by_route.status_code, by_route.content) == (404, by_fast_path.content)
    assert by_fast_path.status_code == 404
    assert by_route.headers["content-type"] == by_fast_path.headers["content-type"]


def test_ofrep_fast__over_the_rate__429_without_evaluating(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    # Given a token allowed one request, which it used (through the route)
    setattr(ofrep.client.app.state, OFREP_SETTINGS, OfrepSettings(rate_per_second=0.01, burst=1))
    ofrep.client.app.state.ofrep_services = None
    first = evaluate(ofrep, server_token, "theme", BODY)

    # When it asks again, now known to the fast path
    limited = evaluate(ofrep, server_token, "theme", BODY)

    # Then it is refused before anything is evaluated
    assert (first.status_code, limited.status_code) == (200, 429)
    assert limited.headers["retry-after"] == "100"
    assert fast_answers == []


def test_ofrep_fast__context_over_the_inline_size__evaluated_by_the_route(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    evaluate(ofrep, server_token, "banner", BODY)
    padding = "x" * INLINE_CONTEXT_BYTES
    body = {"context": {"targetingKey": "ann", "plan": "pro", "note": padding}}

    response = evaluate(ofrep, server_token, "banner", body)

    assert fast_answers == []
    assert ofrep.ok(response)["value"] == "red"


def test_ofrep_fast__bad_json_after_use__route_answers_parse_error(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
) -> None:
    evaluate(ofrep, server_token, "dark-mode", BODY)

    response = ofrep.client.request(
        "POST",
        "/ofrep/v1/evaluate/flags/dark-mode",
        content=b"{not json",
        headers={"Authorization": f"Bearer {server_token}"},
    )

    assert response.status_code == 400
    assert response.json()["errorCode"] == "PARSE_ERROR"


def test_ofrep_fast__flag_changed__next_answer_sees_it(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
) -> None:
    before = evaluate(ofrep, server_token, "theme", BODY).json()
    configure(ofrep, "theme", {"on": False})

    after = evaluate(ofrep, server_token, "theme", BODY).json()

    assert before["metadata"]["reason_kind"] == "FALLTHROUGH"
    assert after["metadata"]["reason_kind"] == "OFF"


DOCUMENT = "/api/v1/sdk/flags"


def test_sdk_flags_fast__matching_etag__304_from_memory_as_the_route_answers(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    etags: list[str] = []
    original = ofrep_fast.document_etag

    def spy(*args: Any, **kwargs: Any) -> str:
        etags.append(original(*args, **kwargs))
        return etags[-1]

    monkeypatch.setattr(ofrep_fast, "document_etag", spy)
    etag = ofrep.get(DOCUMENT, token=server_token).headers["etag"]
    by_route = ofrep.get(
        f"{DOCUMENT}?environment=production", token=server_token, headers={"If-None-Match": etag}
    )
    assert etags == []

    fast = ofrep.get(DOCUMENT, token=server_token, headers={"If-None-Match": etag})

    assert etags == [etag]
    assert by_route.status_code == fast.status_code == 304
    assert dict(by_route.headers) == dict(fast.headers)


def test_sdk_flags_fast__flag_changed__200_with_new_etag(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
) -> None:
    etag = ofrep.get(DOCUMENT, token=server_token).headers["etag"]
    ofrep.get(DOCUMENT, token=server_token, headers={"If-None-Match": etag})
    configure(ofrep, "theme", {"on": False})

    response = ofrep.get(DOCUMENT, token=server_token, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["etag"] != etag


def test_ofrep_fast__cache_time_run_out__answered_while_one_read_refreshes_it(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    # Given a token authenticated at t=0 (cache time 5 s), revoked since by another
    # process (no local signal)
    now = [0.0]
    use_token_cache(ofrep.store, TokenCache(clock=lambda: now[0]))
    evaluate(ofrep, server_token, "dark-mode", BODY)
    with ofrep.store.write() as session:
        session.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))

    # When it is used after its cache time ran out
    now[0] = 6.0
    meanwhile = evaluate(ofrep, server_token, "dark-mode", BODY)
    deadline = time.monotonic() + 10
    while authenticate_stale(ofrep.store, server_token) and time.monotonic() < deadline:
        time.sleep(0.01)  # the refresh's database read, in a worker thread
    after = evaluate(ofrep, server_token, "dark-mode", BODY)

    # Then the request meanwhile was answered from memory, and the refresh found the
    # revocation: the next one is refused
    assert meanwhile.status_code == 200
    assert fast_answers == ["dark-mode"]
    assert after.status_code == 401


def test_ofrep_fast__cache_time_run_out_long_ago__the_route_reads_the_token(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    fast_answers: list[str],
) -> None:
    now = [0.0]
    use_token_cache(ofrep.store, TokenCache(clock=lambda: now[0]))
    evaluate(ofrep, server_token, "dark-mode", BODY)
    with ofrep.store.write() as session:
        session.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))

    now[0] = 10.0  # twice the cache time

    assert evaluate(ofrep, server_token, "dark-mode", BODY).status_code == 401
    assert fast_answers == []


def test_sdk_flags_fast__version_to_read_again__one_read_then_304_from_the_fast_path(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a token in memory and a document version whose time in memory ran out
    etag = ofrep.get(DOCUMENT, token=server_token).headers["etag"]
    versions = versions_of(ofrep.client.app)
    monkeypatch.setattr(versions, "version_ttl", 0.0)
    reads: list[str] = []
    original = versions.version

    def counting(project: str, environment: str) -> int:
        reads.append(threading.current_thread().name)
        return original(project, environment)

    monkeypatch.setattr(versions, "version", counting)
    routed: list[str] = []
    monkeypatch.setattr(ofrep_fast, "document_etag", _spy(ofrep_fast.document_etag, routed))

    # When it revalidates
    response = ofrep.get(DOCUMENT, token=server_token, headers={"If-None-Match": etag})

    # Then the fast path read the version once, off the event loop, and answered 304
    assert response.status_code == 304
    assert len(reads) == 1 and reads[0].startswith("AnyIO worker thread")
    assert routed == [etag]


def _spy(func: Callable[..., str], calls: list[str]) -> Callable[..., str]:
    def spy(*args: Any, **kwargs: Any) -> str:
        calls.append(func(*args, **kwargs))
        return calls[-1]

    return spy
