"""The spec/ cases, evaluated through an OpenFeature client, agree with the engine on
every case that OpenFeature can express."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openfeature")

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode, ProviderNotReadyError

from premiere.engine import (
    compile_document,
    evaluate,
    openfeature_error_code,
    openfeature_reason,
    reads_targeting_key,
)
from premiere.sdk import Config
from premiere.sdk.document import DocumentError, validate_document
from premiere.sdk.openfeature import PremiereProvider

CASES_DIR = Path(__file__).resolve().parents[2] / "spec" / "cases"


pytestmark = pytest.mark.usefixtures("openfeature_reset")


# -- the spec cases through OpenFeature -------------------------------------------------

_RESOLVERS = {
    "boolean": ("get_boolean_details", False, "boolean"),
    "string": ("get_string_details", "", "string"),
    "integer": ("get_integer_details", 0, "number"),
    "float": ("get_float_details", 0.0, "number"),
    "object": ("get_object_details", {}, "json"),
}
_BY_KIND = {"boolean": "boolean", "string": "string", "number": "float", "json": "object"}


def _fits(resolver: str, value: Any) -> bool:
    if resolver == "boolean":
        return type(value) is bool
    if resolver == "string":
        return type(value) is str
    if resolver == "integer":
        return type(value) is int or (type(value) is float and value.is_integer())
    if resolver == "float":
        return type(value) in (int, float)
    return type(value) in (dict, list)


def _resolver_for(case: dict[str, Any], served: Any) -> str:
    if "expected_kind" in case:
        return _BY_KIND[case["expected_kind"]]
    value = served if served is not None else case.get("default")
    for name, kind in ((bool, "boolean"), (str, "string"), (int, "integer"), (float, "float")):
        if type(value) is name:
            return kind
    return "object" if isinstance(value, (dict, list)) else "boolean"


def _spec_cases() -> list[tuple[str, Any, dict[str, Any]]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for case in body["cases"]:
            document = case["document"] if "document" in case else body["document"]
            cases.append((f"{path.stem}: {case['name']}", document, case))
    return cases


def _usable(document: Any) -> tuple[Any, set[str]]:
    """The document as the SDK takes it: entries that are not objects refuse the whole
    document, so they are left out (and their cases expect a refusal)."""
    try:
        validate_document(document)
        return document, set()
    except DocumentError:
        pass
    if not isinstance(document, dict) or not isinstance(document.get("flags"), dict):
        return None, set()
    dropped = {k for k, v in document["flags"].items() if not isinstance(v, dict)}
    flags = {k: v for k, v in document["flags"].items() if k not in dropped}
    segments = document.get("segments")  # junk segments are none, to the engine too
    segments = (
        {k: v for k, v in segments.items() if isinstance(v, dict)}
        if isinstance(segments, dict)
        else {}
    )
    return {**document, "flags": flags, "segments": segments}, dropped


def _of_context(context: dict[str, Any]) -> EvaluationContext:
    key = context.get("key")
    if isinstance(key, str) and key:  # OpenFeature's context merging drops an empty key
        return EvaluationContext(key, {k: v for k, v in context.items() if k != "key"})
    return EvaluationContext(None, dict(context))


def _check_case(client: Any, document: Any, case: dict[str, Any]) -> str | None:
    compiled = compile_document(document)
    plain = evaluate(compiled, case["flag"], case["context"], case.get("default"))
    resolver = _resolver_for(case, plain.value if plain.variation is not None else None)
    method, stand_in, kind = _RESOLVERS[resolver]
    default = case.get("default")
    if not _fits(resolver, default):
        default = stand_in
    r = evaluate(compiled, case["flag"], case["context"], default, expected_kind=kind)
    details = getattr(client, method)(case["flag"], default, _of_context(case["context"]))
    got = (details.value, details.variant, details.reason, details.error_code)
    if "key" not in case["context"] and reads_targeting_key(document["flags"][case["flag"]]):
        want: tuple[Any, ...] = (default, None, "ERROR", ErrorCode.TARGETING_KEY_MISSING)
    elif plain.variation is not None and plain.value is None:  # JSON null: default stands
        flag = document["flags"][case["flag"]]
        variant = flag["variations"][plain.variation].get("name") or str(plain.variation)
        want = (default, variant, openfeature_reason(plain), None)
    elif r.variation is not None and not _fits(resolver, r.value):
        want = (default, None, "ERROR", ErrorCode.TYPE_MISMATCH)
    elif r.reason == "ERROR":
        want = (default, None, "ERROR", openfeature_error_code(r))
    elif r.variation is None:
        want = (default, None, openfeature_reason(r), None)
    else:
        flag = document["flags"][case["flag"]]
        variant = flag["variations"][r.variation].get("name") or str(r.variation)
        value = float(r.value) if resolver == "float" else r.value
        want = (value, variant, openfeature_reason(r), None)
    if got != want or (resolver == "float" and not isinstance(details.value, float)):
        return f"{method}: got {got}, engine says {want}"
    mapped = case.get("openfeature_reason")
    keyless = want[3] == ErrorCode.TARGETING_KEY_MISSING  # refused before the engine maps
    if mapped is not None and not keyless and details.reason != mapped:
        return f"reason {details.reason}, the case says {case['openfeature_reason']}"
    return None


def _check_refused(document: Any, case: dict[str, Any]) -> str | None:
    """A document the SDK refuses as a whole: nothing is served, the provider says so."""
    bootstrap = document if isinstance(document, dict) else None
    provider = PremiereProvider(Config(offline=True, bootstrap=bootstrap))
    with pytest.raises(ProviderNotReadyError):
        provider.initialize(EvaluationContext())
    details = provider.resolve_string_details(case["flag"], "d", _of_context(case["context"]))
    provider.shutdown()
    if (details.value, details.error_code) != ("d", ErrorCode.PROVIDER_NOT_READY):
        return f"a refused document served {details}"
    return None


def test_spec_cases__through_openfeature__agree_with_the_engine() -> None:
    clients: dict[str, Any] = {}
    disagreements, checked, refused, inexpressible = [], 0, 0, 0
    for name, document, case in _spec_cases():
        if not isinstance(case["context"], dict):
            inexpressible += 1  # OpenFeature contexts are always objects
            continue
        usable, dropped = _usable(document)
        if usable is None or case["flag"] in dropped:
            refused += 1
            problem = _check_refused(document, case)
            if problem is not None:
                disagreements.append(f"{name}: {problem}")
            continue
        domain = json.dumps(usable, sort_keys=True)
        if domain not in clients:
            config = Config(offline=True, bootstrap=usable, fill_now=False)
            api.set_provider_and_wait(PremiereProvider(config), domain=f"spec-{len(clients)}")
            clients[domain] = api.get_client(f"spec-{len(clients)}")
        problem = _check_case(clients[domain], usable, case)
        checked += 1
        if problem is not None:
            disagreements.append(f"{name}: {problem}")

    assert disagreements == [], "\n".join(disagreements)
    assert (inexpressible, refused) == (3, 4)
    assert checked >= 230
