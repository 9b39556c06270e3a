"""Every kind of OFREP answer, checked against the schemas of OFREP's own OpenAPI
document (tests/api/assets/ofrep-openapi.yaml, read as tests/api/assets/README.md says):
values of each type, the code default (no value, no variant), every failure, the
keys no route would take, 429, and bulk answers. Each request is made twice: the
first is answered by the route, the second by the fast path, with the same bytes."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from premiere.api.sdk.ofrep import OFREP_SETTINGS, OfrepSettings

from .support import Api

ASSET = Path(__file__).resolve().parent / "assets" / "ofrep-openapi.yaml"
ONE = "/ofrep/v1/evaluate/flags/"
BULK = "/ofrep/v1/evaluate/flags"
CONFIG = "/api/v1/projects/demo/flags/{key}/environments/production"


@cache
def openapi() -> dict[str, Any]:
    """The upstream document, with the three readings of tests/api/assets/README.md."""
    document: dict[str, Any] = yaml.safe_load(ASSET.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    schemas["codeDefaultFlag"] = {"type": "object", "not": {"required": ["value"]}}
    parts = schemas["evaluationSuccess"]["allOf"]
    parts[1] = {"anyOf": parts[1]["oneOf"]}
    parts[0]["properties"]["reason"]["enum"].append("DEFAULT")
    return document


def validator(path: str, status: int) -> Any:
    """The validator of the JSON body OFREP's document gives for ``path`` and ``status``."""
    document = openapi()
    response = document["paths"][path]["post"]["responses"][str(status)]
    schema = copy.deepcopy(response["content"]["application/json"]["schema"])
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


SINGLE = "/ofrep/v1/evaluate/flags/{key}"


def check(response: Any, path: str, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    errors = [error.message for error in validator(path, status).iter_errors(body)]
    assert errors == [], body
    return body


@pytest.fixture
def world(demo: Api) -> tuple[Api, str]:
    demo.flag("demo", "dark-mode")
    demo.flag("demo", "banner", kind="string", variations=[{"value": "a", "name": "blue"}])
    demo.flag("demo", "limit", kind="number", variations=[{"value": 10}, {"value": 2.5}])
    demo.flag("demo", "theme", kind="json", variations=[{"value": {"a": [1]}}, {"value": None}])
    demo.flag("demo", "sizes", kind="json", variations=[{"value": [1, 2]}, {"value": {}}])
    demo.flag("demo", "no-off", off_variation=None)
    demo.flag("demo", "gated", off_variation=None)
    configure(demo, "dark-mode", {"on": True, "targets": [{"variation": 1, "values": ["bob"]}]})
    configure(demo, "banner", {"on": True})
    rollout = {"variations": [{"variation": 0, "weight": 50000}, {"variation": 1, "weight": 50000}]}
    configure(demo, "limit", {"on": True, "fallthrough": {"rollout": rollout}})
    configure(demo, "theme", {"on": True, "fallthrough": {"variation": 1}})
    configure(demo, "sizes", {"on": True})
    prerequisite = [{"key": "dark-mode", "variation": 1}]
    configure(demo, "gated", {"on": True, "prerequisites": prerequisite})
    return demo, demo.token("sdk-server", "demo", "production")


def configure(api: Api, key: str, data: dict[str, Any]) -> None:
    current = api.ok(api.get(CONFIG.format(key=key)))
    api.ok(api.patch(CONFIG.format(key=key), {**data, "version": current["version"]}))


def twice(api: Api, token: str, url: str, **kwargs: Any) -> Any:
    """The answer of the route, checked equal to the fast path's."""
    first = api.post(url, token=token, **kwargs)
    second = api.post(url, token=token, **kwargs)
    assert (second.status_code, second.content) == (first.status_code, first.content)
    return first


ANN = {"context": {"targetingKey": "ann"}}


@pytest.mark.parametrize(
    ("key", "value", "variant"),
    [
        ("dark-mode", True, "on"),
        ("banner", "a", "blue"),
        ("limit", None, None),  # 10 or 2.5, by bucket
        ("theme", "absent", "1"),  # a JSON null: the code default, with its variant
        ("no-off", "absent", "absent"),  # off without an off-variation
        ("gated", "absent", "absent"),  # a failed prerequisite without an off-variation
    ],
)
def test_ofrep_schema__success__valid_and_never_a_null_variant(
    world: tuple[Api, str], key: str, value: Any, variant: Any
) -> None:
    api, token = world

    body = check(twice(api, token, ONE + key, json=ANN), SINGLE, 200)

    assert body.get("value", "absent") == value or value is None
    assert body.get("variant", "absent") == variant or variant is None
    assert body.get("variant", "") is not None


@pytest.mark.parametrize(
    ("key", "request_body", "status", "code"),
    [
        ("nope", ANN, 404, "FLAG_NOT_FOUND"),
        ("a%2Fb", ANN, 404, "FLAG_NOT_FOUND"),
        ("a/b", ANN, 404, "FLAG_NOT_FOUND"),
        ("", ANN, 404, "FLAG_NOT_FOUND"),
        ("limit", {"context": {}}, 400, "TARGETING_KEY_MISSING"),
        ("sizes", ANN, 400, "GENERAL"),  # a JSON array: no OFREP value type holds it
        ("dark-mode", {"context": []}, 400, "INVALID_CONTEXT"),
    ],
)
def test_ofrep_schema__failure__valid_in_ofreps_shape(
    world: tuple[Api, str], key: str, request_body: Any, status: int, code: str
) -> None:
    api, token = world

    response = twice(api, token, ONE + key, json=request_body, follow_redirects=False)
    body = check(response, SINGLE, status)

    assert body["errorCode"] == code
    assert body["key"] == key.replace("%2F", "/")


def test_ofrep_schema__not_json__parse_error(world: tuple[Api, str]) -> None:
    api, token = world

    body = check(twice(api, token, ONE + "dark-mode", content=b"{nope"), SINGLE, 400)

    assert body["errorCode"] == "PARSE_ERROR"


def test_ofrep_schema__bulk__every_item_valid(world: tuple[Api, str]) -> None:
    api, token = world

    body = check(api.post(BULK, ANN, token=token), BULK, 200)
    failed = check(api.post(BULK, content=b"{nope", token=token), BULK, 400)

    assert {item["key"] for item in body["flags"]} >= {"dark-mode", "theme", "no-off", "sizes"}
    assert failed["errorCode"] == "PARSE_ERROR"


def test_ofrep_schema__over_the_rate__429_with_an_ofrep_body(world: tuple[Api, str]) -> None:
    api, token = world
    setattr(api.client.app.state, OFREP_SETTINGS, OfrepSettings(rate_per_second=0.5, burst=1))
    api.client.app.state.ofrep_services = None
    api.ok(api.post(ONE + "dark-mode", ANN, token=token))

    single = api.post(ONE + "dark-mode", ANN, token=token)
    bulk = api.post(BULK, ANN, token=token)

    for response, path in ((single, SINGLE), (bulk, BULK)):
        assert response.status_code == 429 and response.headers["retry-after"] == "2"
        failure = validator(path, 400)  # OFREP gives 429 no body: a failure's, as for 400
        assert list(failure.iter_errors(response.json())) == []
        assert response.json()["errorCode"] == "GENERAL"
