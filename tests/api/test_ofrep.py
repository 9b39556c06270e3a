"""OFREP: /ofrep/v1/evaluate/flags[/{key}] — values, reasons, variants, every error code,
auth, bulk with ETag/304, the rate limit, and the compiled-document cache."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from premiere.api.sdk.ofrep import INLINE_CONTEXT_BYTES, OFREP_SETTINGS, OfrepSettings

from .support import Api

ONE = "/ofrep/v1/evaluate/flags/{key}"
BULK = "/ofrep/v1/evaluate/flags"
CONFIG = "/api/v1/projects/demo/flags/{key}/environments/production"


@pytest.fixture
def ofrep(demo: Api) -> Api:
    demo.flag("demo", "dark-mode", client_visible=True)
    demo.flag(
        "demo",
        "banner",
        kind="string",
        variations=[{"value": "blue", "name": "blue-banner"}, {"value": "red"}],
    )
    demo.flag("demo", "limit", kind="number", variations=[{"value": 10}, {"value": 2.5}])
    demo.flag("demo", "theme", kind="json", variations=[{"value": {"a": [1]}}, {"value": None}])
    demo.flag("demo", "no-off", off_variation=None)
    configure(demo, "dark-mode", {"on": True, "targets": [{"variation": 1, "values": ["bob"]}]})
    rule = {
        "id": "pro",
        "clauses": [{"attribute": "plan", "op": "in", "values": ["pro"]}],
        "serve": {"variation": 1},
    }
    configure(demo, "banner", {"on": True, "rules": [rule]})
    rollout = {"variations": [{"variation": 0, "weight": 50000}, {"variation": 1, "weight": 50000}]}
    configure(demo, "limit", {"on": True, "fallthrough": {"rollout": rollout}})
    configure(demo, "theme", {"on": True})
    return demo


def configure(api: Api, key: str, data: dict[str, Any]) -> None:
    current = api.ok(api.get(CONFIG.format(key=key)))
    api.ok(api.patch(CONFIG.format(key=key), {**data, "version": current["version"]}))


def evaluate(api: Api, token: str, key: str, body: Any = None, **kwargs: Any) -> Any:
    if body is None:
        body = {}
    return api.post(ONE.format(key=key), body, token=token, **kwargs)


@pytest.fixture
def server_token(ofrep: Api) -> str:
    return ofrep.token("sdk-server", "demo", "production")


def test_ofrep__boolean_flag_on__value_reason_variant_metadata(
    ofrep: Api, server_token: str
) -> None:
    response = evaluate(ofrep, server_token, "dark-mode", {"context": {"targetingKey": "ann"}})

    assert ofrep.ok(response) == {
        "key": "dark-mode",
        "value": True,
        "reason": "DEFAULT",
        "variant": "on",
        "metadata": {"reason_kind": "FALLTHROUGH", "flag_version": 2, "variation_index": 0},
    }


@pytest.mark.parametrize(
    ("key", "context", "value", "reason", "variant"),
    [
        ("dark-mode", {"targetingKey": "bob"}, False, "TARGETING_MATCH", "off"),
        ("banner", {"plan": "pro"}, "red", "TARGETING_MATCH", "1"),
        ("banner", {"plan": "free"}, "blue", "DEFAULT", "blue-banner"),
        ("theme", {}, {"a": [1]}, "STATIC", "0"),
        ("no-off", {}, None, "DISABLED", None),
    ],
)
def test_ofrep__kinds_and_reasons__as_the_engine_says(
    ofrep: Api,
    server_token: str,
    key: str,
    context: dict[str, Any],
    value: Any,
    reason: str,
    variant: str | None,
) -> None:
    payload = ofrep.ok(evaluate(ofrep, server_token, key, {"context": context}))

    assert (payload.get("value"), payload["reason"], payload.get("variant")) == (
        value,
        reason,
        variant,
    )
    assert ("value" in payload) is ("variant" in payload) is (variant is not None)


def test_ofrep__rollout__split_and_sticky(ofrep: Api, server_token: str) -> None:
    values = set()
    for user in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"):
        first = ofrep.ok(
            evaluate(ofrep, server_token, "limit", {"context": {"targetingKey": user}})
        )
        again = ofrep.ok(
            evaluate(ofrep, server_token, "limit", {"context": {"targetingKey": user}})
        )
        assert first == again
        assert first["reason"] == "SPLIT"
        values.add(first["value"])
    assert values == {10, 2.5}


def test_ofrep__unknown_flag__404_flag_not_found(ofrep: Api, server_token: str) -> None:
    response = evaluate(ofrep, server_token, "nope")

    assert response.status_code == 404
    assert response.json()["key"] == "nope"
    assert response.json()["errorCode"] == "FLAG_NOT_FOUND"
    assert response.json()["errorDetails"]


def test_ofrep__archived_flag__404(ofrep: Api, server_token: str) -> None:
    ofrep.ok(ofrep.post("/api/v1/projects/demo/flags/theme/archive", {"version": 1}))

    assert evaluate(ofrep, server_token, "theme").status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "PARSE_ERROR"),
        (b'{"context": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", "PARSE_ERROR"),
        (b"[1, 2]", "INVALID_CONTEXT"),
        (b'{"context": [1]}', "INVALID_CONTEXT"),
        (b'{"context": {"targetingKey": 42}}', "INVALID_CONTEXT"),
        (b'{"context": {"plan": "pro"}}', "TARGETING_KEY_MISSING"),
    ],
)
def test_ofrep__bad_request__400_with_error_code(
    ofrep: Api, server_token: str, body: bytes, code: str
) -> None:
    response = ofrep.post(
        ONE.format(key="limit"),
        content=body,
        token=server_token,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    payload = response.json()
    assert (payload["key"], payload["errorCode"]) == ("limit", code)
    assert isinstance(payload["errorDetails"], str) and payload["errorDetails"]


def test_ofrep__malformed_flag__400_parse_error(ofrep: Api, server_token: str) -> None:
    from premiere.api.sdk.answers import evaluate_one
    from premiere.services.sdk.compiled import compile_flags

    document = {"project": "p", "environment": "e", "version": 1, "flags": {"bad": {"key": "bad"}}}
    flags = compile_flags(document, client_only=False)
    with pytest.raises(Exception) as caught:
        evaluate_one(flags, "bad", {})

    assert getattr(caught.value, "code", None) == "PARSE_ERROR"
    assert getattr(caught.value, "status", None) == 400


def test_ofrep__prerequisite_cycle__400_general() -> None:
    from premiere.api.sdk.answers import OfrepError, evaluate_one
    from premiere.services.sdk.compiled import compile_flags

    def flag(key: str, other: str) -> dict[str, Any]:
        return {
            "key": key,
            "kind": "boolean",
            "on": True,
            "variations": [{"value": True}, {"value": False}],
            "prerequisites": [{"key": other, "variation": 0}],
            "fallthrough": {"variation": 0},
        }

    document = {"version": 1, "flags": {"a": flag("a", "b"), "b": flag("b", "a")}}
    with pytest.raises(OfrepError) as caught:
        evaluate_one(compile_flags(document, client_only=False), "a", {})
    assert (caught.value.status, caught.value.code) == (400, "GENERAL")


def test_ofrep__no_body__evaluated_without_context(ofrep: Api, server_token: str) -> None:
    response = ofrep.post(ONE.format(key="theme"), content=b"", token=server_token)

    assert ofrep.ok(response)["value"] == {"a": [1]}


@pytest.mark.parametrize(
    ("scope", "status"), [("admin", 403), ("deploy", 403), (None, 401), ("bogus", 401)]
)
def test_ofrep__wrong_or_missing_token__401_or_403(
    ofrep: Api, scope: str | None, status: int
) -> None:
    if scope == "admin":
        headers = ofrep.auth()
    elif scope == "deploy":
        headers = ofrep.auth(ofrep.token("deploy", "demo"))
    elif scope == "bogus":
        headers = {"Authorization": "Bearer prm_0000000000000000_x"}
    else:
        headers = {}
    response = ofrep.client.request("POST", ONE.format(key="theme"), json={}, headers=headers)

    assert response.status_code == status


def test_ofrep__x_api_key__accepted(ofrep: Api, server_token: str) -> None:
    response = ofrep.client.request(
        "POST", ONE.format(key="theme"), json={}, headers={"X-API-Key": server_token}
    )
    assert response.status_code == 200


def test_ofrep__client_token__server_only_flag_not_found(ofrep: Api) -> None:
    token = ofrep.token("sdk-client", "demo", "production")

    assert evaluate(ofrep, token, "banner").status_code == 404
    assert ofrep.ok(evaluate(ofrep, token, "dark-mode", {"context": {"targetingKey": "a"}}))
    bulk = ofrep.ok(ofrep.post(BULK, {"context": {"targetingKey": "a"}}, token=token))
    assert [item["key"] for item in bulk["flags"]] == ["dark-mode"]


def test_ofrep__bulk__every_flag_with_failures_inline(ofrep: Api, server_token: str) -> None:
    response = ofrep.post(BULK, {"context": {"plan": "pro"}}, token=server_token)
    items = {item["key"]: item for item in ofrep.ok(response)["flags"]}

    assert set(items) == {"dark-mode", "banner", "limit", "theme", "no-off"}
    assert items["banner"]["value"] == "red"
    assert items["limit"]["errorCode"] == "TARGETING_KEY_MISSING"
    assert items["dark-mode"]["errorCode"] == "TARGETING_KEY_MISSING"
    assert "value" not in items["no-off"]


def test_ofrep__bulk_etag__304_until_flags_or_context_change(ofrep: Api, server_token: str) -> None:
    body = {"context": {"targetingKey": "ann"}}
    etag = ofrep.post(BULK, body, token=server_token).headers["etag"]

    same = ofrep.post(BULK, body, token=server_token, headers={"If-None-Match": etag})
    other_context = ofrep.post(
        BULK,
        {"context": {"targetingKey": "bob"}},
        token=server_token,
        headers={"If-None-Match": etag},
    )
    configure(ofrep, "theme", {"on": False})
    after_change = ofrep.post(BULK, body, token=server_token, headers={"If-None-Match": etag})

    assert (same.status_code, same.content) == (304, b"")
    assert other_context.status_code == 200
    assert after_change.status_code == 200
    assert after_change.headers["etag"] != etag


def test_ofrep__bulk_bad_context__400_without_key(ofrep: Api, server_token: str) -> None:
    response = ofrep.post(BULK, {"context": "nope"}, token=server_token)

    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_CONTEXT"
    assert "key" not in response.json()


@pytest.fixture
def evaluated_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the threads the route's evaluations ran on."""
    from premiere.api.sdk import answers, bulk

    threads: list[str] = []
    for module in (answers, bulk):

        def spy(*args: Any, _original: Any = module.resolve) -> Any:
            threads.append(threading.current_thread().name)
            return _original(*args)

        monkeypatch.setattr(module, "resolve", spy)
    return threads


def test_ofrep__large_context__evaluated_on_an_evaluation_thread(
    ofrep: Api, server_token: str, evaluated_on: list[str]
) -> None:
    padding = "x" * INLINE_CONTEXT_BYTES
    body = {"context": {"targetingKey": "ann", "plan": "pro", "note": padding}}

    large = evaluate(ofrep, server_token, "banner", body)

    assert ofrep.ok(large)["value"] == "red"
    assert len(evaluated_on) == 1 and evaluated_on[0].startswith("premiere-evaluation")


def test_ofrep__bulk__evaluated_on_an_evaluation_thread(
    ofrep: Api, server_token: str, evaluated_on: list[str]
) -> None:
    response = ofrep.post(BULK, {"context": {"targetingKey": "ann"}}, token=server_token)

    assert len(ofrep.ok(response)["flags"]) == 5
    assert len(evaluated_on) == 5  # one evaluation per flag, all on those threads
    assert all(name.startswith("premiere-evaluation") for name in evaluated_on)


@pytest.mark.parametrize("path", [ONE.format(key="banner"), BULK])
def test_ofrep__context_over_the_limit__400_invalid_context_nothing_evaluated(
    ofrep: Api, server_token: str, evaluated_on: list[str], path: str
) -> None:
    setattr(ofrep.client.app.state, OFREP_SETTINGS, OfrepSettings(max_context_bytes=4096))
    ofrep.client.app.state.ofrep_services = None
    body = {"context": {"targetingKey": "ann", "note": "x" * 4096}}

    response = ofrep.post(path, body, token=server_token)

    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_CONTEXT"
    assert "larger than 4096 bytes" in response.json()["errorDetails"]
    assert evaluated_on == []


def test_ofrep__change__seen_by_the_next_request_compiled_once(
    ofrep: Api, server_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from premiere.services.sdk import compiled as compiled_documents

    compiled: list[int] = []
    original = compiled_documents.compile_flags

    def counting(document: Any, *, client_only: bool) -> Any:
        compiled.append(document["version"])
        return original(document, client_only=client_only)

    monkeypatch.setattr(compiled_documents, "compile_flags", counting)
    for _ in range(3):
        assert ofrep.ok(evaluate(ofrep, server_token, "theme"))["value"] == {"a": [1]}
    configure(ofrep, "theme", {"on": False})
    after = ofrep.ok(evaluate(ofrep, server_token, "theme"))

    assert after["reason"] == "DISABLED" and "value" not in after
    assert len(compiled) == 2 and compiled[0] < compiled[1]


def test_compiled_documents__write_elsewhere__seen_after_the_version_ttl(
    ofrep: Api, server_token: str
) -> None:
    from sqlalchemy import update

    from premiere.services.sdk.compiled import CompiledDocuments
    from premiere.store.models import Environment

    now = [1000.0]
    cache = CompiledDocuments(ofrep.store, version_ttl=0.2, clock=lambda: now[0])
    before = cache.get("demo", "production", client_only=False).version
    with ofrep.store.write() as session:  # as another process would: no local signal
        session.execute(
            update(Environment).values(document_version=Environment.document_version + 1)
        )

    now[0] += 0.1  # within the TTL: the version read before is still trusted
    assert cache.get("demo", "production", client_only=False).version == before
    assert cache.cached_version("demo", "production") == before
    now[0] += 0.15  # the TTL has run out: the version is read again
    assert cache.cached_version("demo", "production") is None
    assert cache.get("demo", "production", client_only=False).version == before + 1
    configure(ofrep, "theme", {"on": False})  # a local write: seen at once
    assert cache.get("demo", "production", client_only=False).version == before + 2
