"""Input that could be stored but never read back, or that no row can match, is refused
with 4xx at the edge: lone UTF-16 surrogates, ids past 64 bits, date-times whose UTC
moment lies outside years 1..9999. Nothing is stored and nothing answers 500."""

from __future__ import annotations

from typing import Any

import pytest

from .support import Api
from .test_ofrep import ofrep, server_token  # noqa: F401

JSON = {"Content-Type": "application/json"}
# json.dumps writes a lone surrogate as the escape "\ud800", as any client may send it.
SEGMENT = b'{"key": "s1", "rules": [{"clauses": [{"attribute": "country", "op": "in", "values": ["DE", "\\ud800"]}]}]}'  # noqa: E501


def post_raw(api: Api, path: str, body: bytes, token: str | None = None) -> Any:
    return api.request("POST", path, token=token, content=body, headers=JSON)


def test_segment__lone_surrogate_in_clause_value__400_nothing_stored(demo: Api) -> None:
    response = post_raw(demo, "/api/v1/projects/demo/segments", SEGMENT)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert error["details"] == {
        "field": "rules[0].clauses[0].values[1]",
        "rule": "lone_surrogate",
    }
    assert demo.ok(demo.get("/api/v1/projects/demo/segments")) == []
    sdk_token = demo.token("sdk-server", "demo", "production")
    assert demo.ok(demo.get("/api/v1/sdk/flags", token=sdk_token))["segments"] == {}


@pytest.mark.parametrize(
    "body",
    [
        b'{"key": "f1", "name": "\\udc00"}',
        b'{"key": "f1", "description": "ok \\uD83D"}',
        b'{"key": "f1", "tags": ["\\ud800\\ud800"]}',
    ],
)
def test_flag__lone_surrogate_in_any_field__400(demo: Api, body: bytes) -> None:
    response = post_raw(demo, "/api/v1/projects/demo/flags", body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["rule"] == "lone_surrogate"
    assert demo.ok(demo.get("/api/v1/projects/demo/flags")) == []


def test_flag__surrogate_pair__accepted_as_one_character(demo: Api) -> None:
    response = post_raw(
        demo, "/api/v1/projects/demo/flags", b'{"key": "f1", "name": "\\ud83d\\ude00"}'
    )

    assert demo.ok(response, 201)["name"] == "\U0001f600"


def test_sdk_events__lone_surrogate__400(demo: Api) -> None:
    token = demo.token("sdk-server", "demo", "production")
    body = b'{"period_start": "2026-01-01T00:00:00Z", "flags": [{"key": "\\ud800"}]}'

    response = post_raw(demo, "/api/v1/sdk/events", body, token=token)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["field"] == "flags[0].key"


@pytest.mark.parametrize("path", ["/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/dark-mode"])
@pytest.mark.parametrize("times", [1, 2])  # the second call goes through the fast path
def test_ofrep__lone_surrogate_in_context__400_invalid_context(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    path: str,
    times: int,
) -> None:
    ofrep.post(
        "/ofrep/v1/evaluate/flags/dark-mode", {"context": {"targetingKey": "a"}}, token=server_token
    )
    for _ in range(times):
        response = post_raw(ofrep, path, b'{"context": {"targetingKey": "\\ud800"}}', server_token)

    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == "INVALID_CONTEXT"
    assert "context.targetingKey" in response.json()["errorDetails"]


@pytest.mark.parametrize("number", ["9223372036854775808", "100000000000000000000000"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/projects/demo/scheduled-changes/{n}"),
        ("DELETE", "/api/v1/projects/demo/scheduled-changes/{n}"),
        ("DELETE", "/api/v1/projects/demo/freeze-windows/{n}"),
    ],
)
def test_row_id__past_64_bits__422_naming_the_id(
    demo: Api, method: str, path: str, number: str
) -> None:
    response = demo.request(method, path.format(n=number))

    assert response.status_code == 422, response.text
    (error,) = response.json()["error"]["details"]["errors"]
    assert error["field"].startswith("path.") and error["rule"] == "maximum"


def test_row_id__largest__404(demo: Api) -> None:
    response = demo.get("/api/v1/projects/demo/scheduled-changes/9223372036854775807")

    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    "query", ["since=0001-01-01T00:00:00%2B23:59", "until=9999-12-31T23:59:59-23:59"]
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit",
        "/api/v1/projects/demo/deployments",
        "/api/v1/projects/demo/environments/production/events",
    ],
)
def test_time_filter__utc_outside_years_1_to_9999__422_datetime(
    demo: Api, path: str, query: str
) -> None:
    response = demo.get(f"{path}?{query}")

    assert response.status_code == 422, response.text
    (error,) = response.json()["error"]["details"]["errors"]
    assert error["rule"] == "datetime"
    assert error["field"] == "query." + query.split("=")[0]


def test_time_filter__edges_in_utc__accepted(demo: Api) -> None:
    response = demo.get("/api/v1/audit?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z")

    assert demo.ok(response)["items"]


def test_audit_cursor__number_past_64_bits__422_invalid_cursor(demo: Api) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(b"audit:" + b"9" * 30).decode()
    response = demo.get(f"/api/v1/audit?cursor={cursor}")

    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["errors"][0]["rule"] == "invalid_cursor"


def test_segment__lone_surrogate_in_an_object_key__400_field_escaped(demo: Api) -> None:
    body = b'{"key": "s1", "rules": [{"clauses": [], "\\ud800x": 1}]}'

    response = post_raw(demo, "/api/v1/projects/demo/segments", body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["field"] == "rules[0].\\ud800x"
