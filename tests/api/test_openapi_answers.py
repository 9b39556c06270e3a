"""Every operation of ``/openapi.json`` documents what it answers.

The schema fuzz run (test_schema_fuzz.py) checks answers against the document; an
answer documented as "any JSON" would pass unchecked. These tests keep every success
answer described by a real schema, 204 answers without a body, and every error
answer with the error body.
"""

from __future__ import annotations

from typing import Any

import pytest

from premiere.api import create_app
from premiere.settings import Settings

SPEC: dict[str, Any] = create_app(Settings(database_url="unused://")).openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
]
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.removeprefix("#/components/schemas/")
    return resolve(SPEC["components"]["schemas"][name])


def is_described(schema: dict[str, Any]) -> bool:
    """A schema that says something: an object with properties, a typed array of such,
    a scalar type, or a union of described schemas. ``{}`` (any JSON) is not."""
    schema = resolve(schema)
    if "anyOf" in schema or "oneOf" in schema:
        return all(is_described(part) for part in schema.get("anyOf", schema.get("oneOf")))
    kind = schema.get("type")
    if kind == "array":
        return is_described(schema.get("items", {}))
    if kind == "object":
        return bool(schema.get("properties"))
    return kind is not None


def successes(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {code: answer for code, answer in operation["responses"].items() if code[0] == "2"}


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_openapi__operation__documents_a_success_answer_with_a_real_schema(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    answers = successes(operation)
    assert answers, f"{method} {path} documents no success answer"
    for code, answer in answers.items():
        content = answer.get("content")
        if code == "204":
            assert not content, f"{method} {path}: a 204 answer has no body"
            continue
        assert content, f"{method} {path} {code} documents no body"
        for media_type, body in content.items():
            schema = body.get("schema", {})
            assert is_described(schema), f"{method} {path} {code} {media_type}: any JSON"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_openapi__operation__documents_error_answers_with_the_error_body(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    for code, answer in operation["responses"].items():
        if code[0] not in "45":
            continue
        content = answer.get("content", {})
        schemas = [resolve(body.get("schema", {})) for body in content.values()]
        assert schemas, f"{method} {path} {code} documents no body"
        for schema in schemas:
            # the error body, or OFREP's own failure body on /ofrep/
            assert set(schema.get("properties", {})) & {"error", "errorCode"}, (
                f"{method} {path} {code}"
            )


def test_openapi__delete_answering_204__documents_no_body() -> None:
    answer = SPEC["paths"]["/api/v1/projects/{project}/segments/{segment}"]["delete"]["responses"]
    assert set(successes({"responses": answer})) == {"204"}
    assert "content" not in answer["204"]
