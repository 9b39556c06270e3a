"""OpenFeature's ``evaluation_v2.feature`` against PremiereProvider (see README.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from openfeature.evaluation_context import EvaluationContext
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("evaluation_v2.feature")

METHODS = {
    "Boolean": "get_boolean_details",
    "String": "get_string_details",
    "Integer": "get_integer_details",
    "Float": "get_float_details",
    "Object": "get_object_details",
}


def typed(kind: str, text: str) -> Any:
    """A value of the tables, as the type it names."""
    if kind == "Boolean":
        return text == "true"
    if kind == "Integer":
        return int(text)
    if kind == "Float":
        return float(text)
    if kind == "Object":
        return json.loads(text.replace('\\"', '"'))
    return text


@given(
    parsers.re(
        r'a (?P<kind>\w+)-flag with key "(?P<key>.+)" and a fallback value "(?P<default>.*)"'
    )
)
def a_flag(world: dict[str, Any], kind: str, key: str, default: str) -> None:
    world.update(kind=kind, key=key, default=typed(kind, default))


@given(
    parsers.parse(
        'a context containing a key "{name}", with type "{kind}" and with value "{value}"'
    )
)
def a_context_value(world: dict[str, Any], name: str, kind: str, value: str) -> None:
    world["context"][name] = typed(kind, value)


@given(parsers.parse('a context containing a key "{name}" with null value'))
def a_null_context_value(world: dict[str, Any], name: str) -> None:
    world["context"][name] = None


def _evaluate(world: dict[str, Any]) -> Any:
    method = getattr(world["client"], METHODS[world["kind"]])
    return method(world["key"], world["default"], EvaluationContext(None, world["context"]))


@when("the flag was evaluated with details")
def evaluated(world: dict[str, Any]) -> None:
    world["details"] = _evaluate(world)


@when("the flag was evaluated with details asynchronously")
def evaluated_asynchronously(world: dict[str, Any]) -> None:
    method = getattr(world["client"], METHODS[world["kind"]] + "_async")
    context = EvaluationContext(None, world["context"])
    world["details"] = asyncio.run(method(world["key"], world["default"], context))


@then("the evaluation should complete without blocking")
def completed(world: dict[str, Any]) -> None:
    assert world["details"].flag_key == world["key"]


@then(parsers.re(r'the resolved details value should be "(?P<value>.*)"'))
def resolved_value(world: dict[str, Any], value: str) -> None:
    details = world["details"]
    assert details.value == typed(world["kind"], value), details
    assert type(details.value) is type(typed(world["kind"], value))


@then(parsers.parse('the reason should be "{reason}"'))
def reason_is(world: dict[str, Any], reason: str) -> None:
    assert world["details"].reason == reason, world["details"]


@then(parsers.parse('the error-code should be "{code}"'))
def error_code_is(world: dict[str, Any], code: str) -> None:
    assert world["details"].error_code == code, world["details"]


@then(parsers.parse('the flag key should be "{key}"'))
def flag_key_is(world: dict[str, Any], key: str) -> None:
    assert world["details"].flag_key == key


@then(parsers.parse('the variant should be "{variant}"'))
def variant_is(world: dict[str, Any], variant: str) -> None:
    assert world["details"].variant == variant
