"""OpenFeature test support: a bootstrap document with a flag of every kind and shape,
and offline OpenFeature clients over it."""

from __future__ import annotations

from typing import Any

from openfeature import api
from openfeature.evaluation_context import EvaluationContext

from premiere.sdk import Config
from premiere.sdk.openfeature import PremiereProvider

from .support import boolean_flag, make_document, number_flag, rule_rollout_flag, string_flag


def json_flag(key: str, values: list[Any], serve: int = 0) -> dict[str, Any]:
    flag = string_flag(key, [], serve)
    flag["kind"] = "json"
    flag["variations"] = [{"value": v} for v in values]
    flag["off_variation"] = len(values) - 1
    return flag


def flags_document() -> dict[str, Any]:
    named = string_flag("color", ["red", "blue"], serve=1)
    named["variations"] = [{"value": "red", "name": "warm"}, {"value": "blue", "name": "cold"}]
    return make_document(
        3,
        checkout=rule_rollout_flag("checkout"),
        static=boolean_flag("static"),
        off=boolean_flag("off", on=False),
        targeted=boolean_flag(
            "targeted",
            serve=1,
            targets=[{"variation": 0, "values": ["vip"]}],
            rules=[
                {
                    "id": "late",
                    "clauses": [
                        {
                            "attribute": "signup",
                            "op": "after",
                            "values": ["2026-01-01T00:00:00Z"],
                            "negate": False,
                        }
                    ],
                    "serve": {"variation": 0},
                }
            ],
        ),
        gated=boolean_flag("gated", prerequisites=[{"key": "off", "variation": 0}]),
        color=named,
        limit=number_flag("limit", [10, 2.5]),
        ratio=number_flag("ratio", [0.25, 1]),
        layout=json_flag("layout", [{"columns": 2}, [1, 2], "plain"]),
        scalar=json_flag("scalar", ["plain"]),
        broken={**boolean_flag("broken"), "fallthrough": {"variation": 7}},
        loop=boolean_flag("loop", prerequisites=[{"key": "loop", "variation": 0}]),
    )


def offline(document: dict[str, Any] | None = None, **kw: Any) -> Config:
    return Config(offline=True, bootstrap=document or flags_document(), **kw)


def of_client(document: dict[str, Any] | None = None) -> Any:
    api.set_provider_and_wait(PremiereProvider(offline(document)))
    return api.get_client()


def ctx(key: str | None = "user-1", **attributes: Any) -> EvaluationContext:
    return EvaluationContext(targeting_key=key, attributes=attributes)
