"""OFREP on the demo project: the fast path (api/sdk/fastpath.py) answers bulk and
single-flag evaluations with the route's bytes and headers, 304 included, for every
demo flag, audience and context; errors go on to the route."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from premiere.api import create_app
from premiere.api.sdk import bulk
from premiere.api.sdk import fastpath as ofrep_fast
from premiere.services.people.tokens import forget_cached_tokens
from premiere.settings import Settings

from .support import Api, running

BULK = "/ofrep/v1/evaluate/flags"
ONE = "/ofrep/v1/evaluate/flags/{key}"
NOV_28_2026 = 1_795_824_000_000  # Unix ms: inside the demo's holiday sale
CONTEXTS: list[dict[str, Any] | None] = [
    None,
    {},
    {"targetingKey": "user-42"},
    {"targetingKey": "ann", "email": "ann@acme.example"},
    {"targetingKey": "bo", "beta_opt_in": True, "plan": "pro"},
    {"targetingKey": "cy", "plan": "enterprise", "country": "DE", "now": NOV_28_2026},
    {"targetingKey": "di", "region": "eu-west-1", "app_version": "3.4.0", "country": "CH"},
    {"plan": "enterprise"},
    *({"targetingKey": f"user-{i}", "plan": "free"} for i in range(12)),
]


@pytest.fixture(params=["sdk-server", "sdk-client"])
def token(acme: Api, request: pytest.FixtureRequest) -> str:
    return acme.token(request.param, "demo", "production")


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the fast path answered: ``bulk`` per bulk answer, a key per flag answer."""
    seen: list[str] = []
    etag: Callable[..., str] = ofrep_fast.bulk_etag
    one: Callable[..., Any] = ofrep_fast.evaluate_one

    def spy_etag(*args: Any) -> str:
        seen.append("bulk")
        return etag(*args)

    def spy_one(flags: Any, key: str, context: Any) -> Any:
        seen.append(key)
        return one(flags, key, context)

    monkeypatch.setattr(ofrep_fast, "bulk_etag", spy_etag)
    monkeypatch.setattr(ofrep_fast, "evaluate_one", spy_one)
    return seen


def by_route_then_fast(
    api: Api, fast: list[str], path: str, token: str, **kwargs: Any
) -> tuple[httpx.Response, httpx.Response]:
    """The same request answered by the route (no token in memory), then the fast path."""
    forget_cached_tokens(api.store)
    before = len(fast)
    route = api.post(path, token=token, **kwargs)
    assert len(fast) == before, "the route was to answer"
    answer = api.post(path, token=token, **kwargs)
    assert len(fast) == before + 1, "the fast path was to answer"
    return route, answer


def same(route: httpx.Response, answer: httpx.Response) -> None:
    assert (route.status_code, route.content) == (answer.status_code, answer.content)
    assert route.headers.multi_items() == answer.headers.multi_items()


def test_ofrep_bulk_fast__every_demo_context__route_bytes_and_304(
    acme: Api, token: str, fast: list[str]
) -> None:
    for context in CONTEXTS:
        body = {} if context is None else {"context": context}

        route, answer = by_route_then_fast(acme, fast, BULK, token, json=body)
        etag = {"If-None-Match": answer.headers["etag"]}
        route_304, answer_304 = by_route_then_fast(acme, fast, BULK, token, json=body, headers=etag)

        assert len(acme.ok(route)["flags"]) > 0
        same(route, answer)
        assert route_304.status_code == 304
        same(route_304, answer_304)


def test_ofrep_fast__every_demo_flag_and_context__route_bytes(
    acme: Api, token: str, fast: list[str]
) -> None:
    for context in CONTEXTS[:8]:
        body = {} if context is None else {"context": context}
        keys = [item["key"] for item in acme.ok(acme.post(BULK, body, token=token))["flags"]]

        for key in [*keys, "legacy-cart", "nope"]:
            route, answer = by_route_then_fast(acme, fast, ONE.format(key=key), token, json=body)
            same(route, answer)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1]", b'{"context": "x"}', b'{"context": {"targetingKey": 7}}'],
)
def test_ofrep_bulk_fast__bad_body__route_answers_the_error(
    acme: Api, token: str, fast: list[str], content: bytes
) -> None:
    forget_cached_tokens(acme.store)
    route = acme.post(BULK, token=token, content=content)
    known = acme.post(BULK, token=token, content=content)  # token in memory now

    assert fast == []
    assert route.status_code == 400
    assert set(route.json()) == {"errorCode", "errorDetails"}
    same(route, known)


def test_ofrep_bulk_fast__flag_changed__new_answer_as_the_route_gives(
    acme: Api, token: str, fast: list[str]
) -> None:
    body = {"context": {"targetingKey": "cy", "plan": "enterprise"}}
    before = acme.post(BULK, body, token=token)
    path = "/api/v1/projects/demo/flags/dark-mode/environments/production"
    version = acme.ok(acme.get(path))["version"]
    acme.ok(acme.patch(path, {"on": False, "version": version}))

    route, answer = by_route_then_fast(acme, fast, BULK, token, json=body)

    same(route, answer)
    assert answer.headers["etag"] != before.headers["etag"]
    items = {item["key"]: item for item in answer.json()["flags"]}
    assert items["dark-mode"]["reason"] == "DISABLED"


def test_ofrep_bulk_fast__many_flags__evaluated_on_an_evaluation_thread(
    acme: Api, token: str, fast: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    original = bulk.resolve

    def spy(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return original(*args)

    body = {"context": {"targetingKey": "ann"}}
    acme.post(BULK, body, token=token)  # the route: token now in memory
    monkeypatch.setattr(ofrep_fast, "INLINE_BULK_FLAGS", 3)
    monkeypatch.setattr(bulk, "resolve", spy)

    answer = acme.post(BULK, body, token=token)

    assert fast == ["bulk"]
    assert len(threads) == len(answer.json()["flags"]) > 3
    assert all(name.startswith("premiere-evaluation") for name in threads)


@pytest.mark.parametrize("path", [BULK, ONE.format(key="dark-mode")])
def test_ofrep_fast__body_over_the_size_limit__413_as_without_the_fast_path(
    acme: Api, token: str, fast: list[str], path: str
) -> None:
    settings = Settings(database_url="unused://", max_body_bytes=100)
    headers = {"Authorization": f"Bearer {token}"}
    with running(create_app(settings, acme.store)) as client:
        small = client.request(
            "POST", path, json={"context": {"targetingKey": "ann"}}, headers=headers
        )
        padded = {"context": {"targetingKey": "ann", "note": "x" * 100}}
        large = client.request("POST", path, json=padded, headers=headers)

    assert (small.status_code, large.status_code) == (200, 413)
    assert large.json()["error"]["code"] == "payload_too_large"
    assert fast == []  # the first request went to the route, the second to the limit
