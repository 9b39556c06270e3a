"""The SDK's OpenFeature provider and OFREP give the same answer: every flag of the demo
project (``premiere demo``), in every environment, for the same contexts (with and
without a targeting key), agrees on value, variant, reason, error code and metadata."""

from __future__ import annotations

from typing import Any

from openfeature.evaluation_context import EvaluationContext

from premiere.cli.server.demo import ENVIRONMENTS
from premiere.sdk import Config
from premiere.sdk.openfeature import PremiereProvider

from .support import Api

NOW = 1_764_374_400_000  # 2025-11-29T00:00:00Z: a fixed clock for the date rules
CONTEXTS: list[dict[str, Any]] = [
    {"now": NOW},
    {"now": NOW, "plan": "enterprise", "country": "DE"},
    {"targetingKey": "ann", "now": NOW},
    {"targetingKey": "user-7", "now": NOW, "plan": "pro", "email": "jo@acme.example"},
    {
        "targetingKey": "user-9",
        "now": NOW,
        "plan": "enterprise",
        "country": "AT",
        "beta_opt_in": True,
        "region": "eu-west-1",
        "app_version": "3.4.0",
    },
]
DEFAULTS: dict[str, tuple[str, Any]] = {
    "boolean": ("resolve_boolean_details", False),
    "string": ("resolve_string_details", "the default"),
    "number": ("resolve_float_details", -1.0),
    "json": ("resolve_object_details", {"the": "default"}),
}


def through_ofrep(api: Api, token: str, key: str, context: dict[str, Any], default: Any) -> Any:
    response = api.post(f"/ofrep/v1/evaluate/flags/{key}", {"context": context}, token=token)
    body = response.json()
    if "errorCode" in body:
        return (default, None, "ERROR", body["errorCode"], body.get("metadata"))
    value = body.get("value", default)
    return (value, body.get("variant"), body["reason"], None, body["metadata"])


def through_the_sdk(provider: PremiereProvider, kind: str, key: str, context: Any) -> Any:
    method, default = DEFAULTS[kind]
    attributes = {k: v for k, v in context.items() if k != "targetingKey"}
    of_context = EvaluationContext(context.get("targetingKey"), attributes)
    details = getattr(provider, method)(key, default, of_context)
    code = details.error_code.value if details.error_code is not None else None
    reason = str(details.reason.value if hasattr(details.reason, "value") else details.reason)
    metadata = dict(details.flag_metadata)
    return (details.value, details.variant, reason, code, metadata)


def test_demo_flags__sdk_and_ofrep__same_answers(acme: Api) -> None:
    api = acme
    compared, refused, reasons = 0, 0, set()
    for environment in (e["key"] for e in ENVIRONMENTS):
        token = api.token("sdk-server", "demo", environment)
        document = api.ok(api.get("/api/v1/sdk/flags", token=token))
        provider = PremiereProvider(Config(offline=True, bootstrap=document, events=False))
        provider.initialize(EvaluationContext())
        try:
            for key, flag in document["flags"].items():
                _, default = DEFAULTS[flag["kind"]]
                for context in CONTEXTS:
                    sdk = through_the_sdk(provider, flag["kind"], key, context)
                    ofrep = through_ofrep(api, token, key, context, default)
                    assert sdk == ofrep, (environment, key, context)
                    compared += 1
                    refused += sdk[3] == "TARGETING_KEY_MISSING"
                    reasons.add(sdk[2])
        finally:
            provider.shutdown()

    assert compared >= 4 * 10 * len(CONTEXTS)
    assert refused > 0
    assert reasons >= {"ERROR", "STATIC", "DEFAULT", "DISABLED", "TARGETING_MATCH"}, reasons
