"""OpenFeature's first ``evaluation.feature`` against PremiereProvider (see README.md)."""

from __future__ import annotations

import re
from typing import Any

from openfeature.evaluation_context import EvaluationContext
from pytest_bdd import parsers, scenarios, then, when

scenarios("evaluation.feature")

METHODS = {
    "boolean": "get_boolean_value",
    "string": "get_string_value",
    "integer": "get_integer_value",
    "float": "get_float_value",
    "object": "get_object_value",
}
NUMBER = {"integer": int, "float": float}


def typed(kind: str, text: str) -> Any:
    """A value of the steps, as the type it names (quotes around it already taken off)."""
    if kind == "boolean":
        return text == "true"
    if kind in NUMBER:
        return NUMBER[kind](text)
    if kind == "object" and text == "null":
        return None
    return text


def _call(world: dict[str, Any], kind: str, key: str, default: Any, details: bool) -> Any:
    method = METHODS[kind].replace("_value", "_details" if details else "_value")
    context = EvaluationContext(None, world["context"])
    return getattr(world["client"], method)(key, default, context)


@when(
    parsers.re(
        r'an? (?P<kind>\w+) flag with key "(?P<key>[^"]+)" is evaluated with'
        r'(?P<details> details and)? (?:a null default value|default value "?(?P<default>[^"]*)"?)'
    )
)
def evaluated(world: dict[str, Any], kind: str, key: str, details: str, default: str) -> None:
    value = None if default is None else typed(kind, default)
    world["result"] = _call(world, kind, key, value, bool(details))


@then(parsers.re(r'the resolved (?P<kind>\w+) value should be "?(?P<value>[^"]+)"?$'))
def resolved_value(world: dict[str, Any], kind: str, value: str) -> None:
    assert world["result"] == typed(kind, value)


@then(
    parsers.re(
        r'the resolved (?P<kind>\w+) details value should be "?(?P<value>[^",]+)"?, the variant '
        r'should be "(?P<variant>[^"]+)", and the reason should be "(?P<reason>[^"]+)"'
    )
)
def resolved_details(
    world: dict[str, Any], kind: str, value: str, variant: str, reason: str
) -> None:
    details = world["result"]
    assert (details.value, details.variant, details.reason) == (typed(kind, value), variant, reason)


_FIELDS = (
    r'should be contain fields "(?P<f1>[^"]+)", "(?P<f2>[^"]+)", and "(?P<f3>[^"]+)", '
    r'with values "(?P<v1>[^"]+)", "(?P<v2>[^"]+)" and (?P<v3>\d+), respectively'
)


@then(parsers.re(r"the resolved object (?P<details>details )?value " + _FIELDS))
def resolved_fields(
    world: dict[str, Any], details: str, f1: str, f2: str, f3: str, v1: str, v2: str, v3: str
) -> None:
    value = world["result"].value if details else world["result"]
    assert value == {f1: v1 == "true", f2: v2, f3: int(v3)}


@then(parsers.parse('the variant should be "{variant}", and the reason should be "{reason}"'))
def variant_and_reason(world: dict[str, Any], variant: str, reason: str) -> None:
    assert (world["result"].variant, world["result"].reason) == (variant, reason)


@when(parsers.re(r"context contains keys (?P<names>.+) with values (?P<values>.+)"))
def context_contains(world: dict[str, Any], names: str, values: str) -> None:
    keys = re.findall(r'"([^"]*)"', names)
    items = re.findall(r'"([^"]*)"|(\d+)', values)
    parsed = [int(number) if number else {"false": False}.get(text, text) for text, number in items]
    world["context"].update(zip(keys, parsed, strict=True))


@when(parsers.parse('a flag with key "{key}" is evaluated with default value "{default}"'))
def evaluated_in_context(world: dict[str, Any], key: str, default: str) -> None:
    world.update(key=key, default=default)
    world["result"] = _call(world, "string", key, default, False)


@then(parsers.parse('the resolved string response should be "{value}"'))
def string_response(world: dict[str, Any], value: str) -> None:
    assert world["result"] == value


@then(parsers.parse('the resolved flag value is "{value}" when the context is empty'))
def empty_context(world: dict[str, Any], value: str) -> None:
    world["context"] = {}
    assert _call(world, "string", world["key"], world["default"], False) == value


@when(
    parsers.re(
        r'a non-existent string flag with key "(?P<key>[^"]+)" is evaluated with details and '
        r'a fallback value "(?P<default>[^"]+)"'
    )
)
def missing_flag(world: dict[str, Any], key: str, default: str) -> None:
    world.update(default=default, result=_call(world, "string", key, default, True))


@when(
    parsers.re(
        r'a string flag with key "(?P<key>[^"]+)" is evaluated as an integer, with details and '
        r"a fallback value (?P<default>\d+)"
    )
)
def wrong_type(world: dict[str, Any], key: str, default: str) -> None:
    world.update(default=int(default), result=_call(world, "integer", key, int(default), True))


@then(parsers.re(r"the default (?:string|integer) value should be returned"))
def default_returned(world: dict[str, Any]) -> None:
    assert world["result"].value == world["default"]


@then(
    parsers.re(
        r"the reason should indicate an error and the error code should indicate "
        r'(?:a missing flag|a type mismatch) with "(?P<code>[^"]+)"'
    )
)
def error_reason(world: dict[str, Any], code: str) -> None:
    assert (world["result"].reason, world["result"].error_code) == ("ERROR", code)
