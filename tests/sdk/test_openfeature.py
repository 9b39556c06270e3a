"""The OpenFeature provider, through OpenFeature's own API (openfeature.api).

Offline clients from a bootstrap document for evaluation; the in-memory server for
events, and the loopback server stand-in where its HTTP failures matter. The spec/
cases, evaluated through an OpenFeature client, agree with the engine on every case
that OpenFeature can express.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openfeature")

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode, ProviderNotReadyError
from openfeature.flag_evaluation import FlagEvaluationDetails, Reason
from openfeature.provider import ProviderStatus
from openfeature.track import TrackingEventDetails

from premiere.engine import (
    ERROR_CODES,
    compile_document,
    evaluate,
    openfeature_error_code,
    openfeature_reason,
)
from premiere.sdk import Client, Config, DataSourceState
from premiere.sdk.document import DocumentError, check_document
from premiere.sdk.evaluation import error_result
from premiere.sdk.openfeature import PremiereProvider, _error_details, to_context
from premiere.sdk.testing import InMemoryServer

from .support import (
    SDK_KEY,
    FakePremiere,
    boolean_flag,
    make_document,
    number_flag,
    rule_rollout_flag,
    string_flag,
)

CASES_DIR = Path(__file__).resolve().parents[2] / "spec" / "cases"


@pytest.fixture(autouse=True)
def _openfeature() -> Iterator[None]:
    yield
    api.shutdown()  # providers shut down, handlers and hooks removed


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


# -- evaluation -------------------------------------------------------------------------


def test_boolean__rule_match__targeting_match_with_rule_metadata() -> None:
    client = of_client()

    details = client.get_boolean_details("checkout", False, ctx(plan="enterprise"))

    assert (details.value, details.variant, details.reason) == (True, "on", "TARGETING_MATCH")
    assert details.error_code is None
    assert dict(details.flag_metadata) == {
        "reason": "RULE_MATCH",
        "variation_index": 0,
        "rule_id": "enterprise",
        "rule_index": 0,
    }


def test_boolean__rollout__split_and_same_answer_as_the_client() -> None:
    client = of_client()
    local = Client(offline())

    for i in range(200):
        details = client.get_boolean_details("checkout", False, ctx(f"user-{i}", plan="free"))
        assert details.reason == Reason.SPLIT
        assert details.value is local.bool_variation("checkout", {"key": f"user-{i}"}, False)
        assert details.flag_metadata["in_rollout"] is True


@pytest.mark.parametrize(
    ("flag", "context", "value", "reason"),
    [
        ("static", ctx(), True, "STATIC"),
        ("off", ctx(), False, "DISABLED"),
        ("gated", ctx(), False, "DISABLED"),
        ("targeted", ctx("vip"), True, "TARGETING_MATCH"),
        ("targeted", ctx("someone"), False, "DEFAULT"),
    ],
)
def test_boolean__reason__mapped(
    flag: str, context: EvaluationContext, value: bool, reason: str
) -> None:
    details = of_client().get_boolean_details(flag, not value, context)

    assert (details.value, details.reason, details.error_code) == (value, reason, None)


def test_boolean__prerequisite_failed__metadata_names_it() -> None:
    details = of_client().get_boolean_details("gated", True, ctx())

    assert details.flag_metadata["prerequisite_key"] == "off"
    assert details.flag_metadata["reason"] == "PREREQUISITE_FAILED"


def test_string__named_variation__variant_is_the_name() -> None:
    details = of_client().get_string_details("color", "none", ctx())

    assert (details.value, details.variant, details.reason) == ("blue", "cold", "STATIC")


def test_string__unnamed_variation__variant_is_the_index() -> None:
    doc = make_document(1, s=string_flag("s", ["x", "y"], serve=1))

    details = of_client(doc).get_string_details("s", "none", ctx())

    assert (details.value, details.variant) == ("y", "1")


def test_integer__integral_number__int() -> None:
    details = of_client().get_integer_details("limit", 0, ctx())

    assert details.value == 10 and type(details.value) is int


def test_integer__fractional_number__type_mismatch() -> None:
    doc = make_document(1, limit=number_flag("limit", [10, 2.5], serve=1))

    details = of_client(doc).get_integer_details("limit", 7, ctx())

    assert (details.value, details.error_code) == (7, ErrorCode.TYPE_MISMATCH)


def test_float__integer_variation__converted_to_float() -> None:
    doc = make_document(1, ratio=number_flag("ratio", [0.25, 1], serve=1))

    details = of_client(doc).get_float_details("ratio", 0.0, ctx())

    assert details.value == 1.0 and type(details.value) is float
    assert details.error_code is None


def test_object__json_object__served() -> None:
    details = of_client().get_object_details("layout", {}, ctx())

    assert details.value == {"columns": 2}
    assert details.reason == "STATIC"


def test_object__json_scalar__type_mismatch_with_default() -> None:
    details = of_client().get_object_details("scalar", {"d": 1}, ctx())

    assert (details.value, details.error_code) == ({"d": 1}, ErrorCode.TYPE_MISMATCH)


@pytest.mark.parametrize(
    ("method", "flag", "default", "code", "ours"),
    [
        ("get_boolean_details", "missing", False, ErrorCode.FLAG_NOT_FOUND, "FLAG_NOT_FOUND"),
        ("get_boolean_details", "color", False, ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_string_details", "checkout", "d", ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_float_details", "color", 1.5, ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_integer_details", "static", 3, ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_object_details", "static", [], ErrorCode.TYPE_MISMATCH, "TYPE_MISMATCH"),
        ("get_boolean_details", "broken", False, ErrorCode.PARSE_ERROR, "MALFORMED_FLAG"),
        ("get_boolean_details", "loop", False, ErrorCode.GENERAL, "PREREQUISITE_CYCLE"),
    ],
)
def test_errors__mapped__default_with_error_reason(
    method: str, flag: str, default: Any, code: ErrorCode, ours: str
) -> None:
    details: FlagEvaluationDetails[Any] = getattr(of_client(), method)(flag, default, ctx())

    assert (details.value, details.reason, details.error_code) == (default, "ERROR", code)
    assert details.flag_metadata["error_code"] == ours
    assert details.error_message is not None and details.error_message.startswith(ours)


def test_context__targeting_key_and_attributes__as_the_engine_sees_them() -> None:
    signup = datetime(2026, 3, 1, tzinfo=UTC)
    context = EvaluationContext(
        "user-1",
        {"plan": "pro", "key": "ignored", "tags": ("a", "b"), "org": {"since": signup}},
    )

    assert to_context(context) == {
        "plan": "pro",
        "key": "user-1",
        "tags": ["a", "b"],
        "org": {"since": int(signup.timestamp() * 1000)},
    }
    assert to_context(EvaluationContext(None, {"key": 42})) == {"key": 42}
    assert to_context(None) == {}


def test_context__datetime_attribute__compared_by_date_operators() -> None:
    client = of_client()

    late = client.get_boolean_details("targeted", False, ctx("u", signup=datetime(2026, 2, 1)))
    early = client.get_boolean_details(
        "targeted", True, ctx("u", signup=datetime(2025, 2, 1, tzinfo=UTC))
    )

    assert (late.value, late.reason) == (True, "TARGETING_MATCH")
    assert (early.value, early.reason) == (False, "DEFAULT")


def test_context__none_given__evaluated_without_key() -> None:
    details = of_client().get_boolean_details("static", False)

    assert (details.value, details.reason) == (True, "STATIC")


def test_resolve__junk_arguments__never_raises() -> None:
    provider = PremiereProvider(offline())
    provider.initialize(EvaluationContext())

    junk_context: Any = object()
    r1 = provider.resolve_boolean_details("static", False, junk_context)
    r2 = provider.resolve_string_details(123, "d", None)  # type: ignore[arg-type]
    r3 = provider.resolve_object_details("layout", {}, EvaluationContext("u", {"x": {1, 2}}))  # type: ignore[dict-item]

    assert (r1.value, r1.error_code) == (False, ErrorCode.GENERAL)
    assert (r2.value, r2.error_code) == ("d", ErrorCode.FLAG_NOT_FOUND)
    assert r3.value == {"columns": 2}
    provider.shutdown()


def test_resolve__before_initialize__provider_not_ready() -> None:
    provider = PremiereProvider(offline())

    details = provider.resolve_boolean_details("static", False, ctx())

    assert (details.value, details.error_code) == (False, ErrorCode.PROVIDER_NOT_READY)
    assert provider.client is None


def test_provider__config_and_client_both_or_neither__refused() -> None:
    with pytest.raises(ValueError):
        PremiereProvider()
    with pytest.raises(ValueError):
        PremiereProvider(offline(), client=Client(offline()))


def test_provider__metadata__named_premiere() -> None:
    of_client()

    assert api.get_provider_metadata().name == "Premiere"


# -- life cycle and events --------------------------------------------------------------


def polling(server: str | InMemoryServer, **kw: Any) -> Config:
    """``server`` is a URL or an in-memory server."""
    settings: dict[str, Any] = {
        "sdk_key": SDK_KEY,
        **(
            {"transport": server.transport}
            if isinstance(server, InMemoryServer)
            else {"base_url": server}
        ),
        "streaming": False,
        "poll_interval": 0.05,
        "start_wait": 2.0,
        "events": False,
        "reconnect_delay": 0.02,
        "max_reconnect_delay": 0.05,
    }
    return Config(**{**settings, **kw})


def collect(*events: ProviderEvent) -> queue.Queue[tuple[ProviderEvent, EventDetails]]:
    """Our provider's events, in order (the default provider's are left out)."""
    got: queue.Queue[tuple[ProviderEvent, EventDetails]] = queue.Queue()

    def handler(event: ProviderEvent) -> Callable[[EventDetails], None]:
        def put(details: EventDetails) -> None:
            if details.provider_name == "Premiere":
                got.put((event, details))

        return put

    for event in events:
        api.add_handler(event, handler(event))
    return got


def next_event(
    got: queue.Queue[tuple[ProviderEvent, EventDetails]], timeout: float = 3.0
) -> tuple[ProviderEvent, EventDetails]:
    return got.get(timeout=timeout)


def test_events__server_document__ready_then_configuration_changed(
    memory: InMemoryServer,
) -> None:
    got = collect(ProviderEvent.PROVIDER_READY, ProviderEvent.PROVIDER_CONFIGURATION_CHANGED)
    provider = PremiereProvider(polling(memory))

    api.set_provider_and_wait(provider)
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    memory.set_document(make_document(2, a=boolean_flag("a", serve=1), c=boolean_flag("c")))

    event, details = next_event(got)
    assert event is ProviderEvent.PROVIDER_CONFIGURATION_CHANGED
    assert details.flags_changed == ["a", "b", "c"]
    assert details.metadata == {"document_version": 2}
    assert api.get_client().get_boolean_value("a", True, ctx()) is False


def test_events__stream_patch__configuration_changed(memory: InMemoryServer) -> None:
    got = collect(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED)
    config = polling(memory, streaming=True)
    api.set_provider_and_wait(PremiereProvider(config))

    memory.delete_flag("b")

    event, details = next_event(got)
    assert (event, details.flags_changed) == (ProviderEvent.PROVIDER_CONFIGURATION_CHANGED, ["b"])
    miss = api.get_client().get_boolean_details("b", True, ctx())
    assert miss.error_code == ErrorCode.FLAG_NOT_FOUND


def test_events__server_fails_then_recovers__stale_then_ready(server: FakePremiere) -> None:
    api.set_provider_and_wait(PremiereProvider(polling(server.url)))
    got = collect(ProviderEvent.PROVIDER_STALE, ProviderEvent.PROVIDER_READY)
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY  # a handler added late runs once
    client = api.get_client()

    server.flags_mode = "500"
    event, details = next_event(got)
    assert event is ProviderEvent.PROVIDER_STALE and details.message
    assert client.get_provider_status() is ProviderStatus.STALE
    assert client.get_boolean_value("a", False, ctx()) is True  # the last good document

    server.flags_mode = "ok"
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    assert client.get_provider_status() is ProviderStatus.READY


def test_events__no_document_at_start__error_then_ready(server: FakePremiere) -> None:
    server.flags_mode = "500"
    got = collect(ProviderEvent.PROVIDER_ERROR, ProviderEvent.PROVIDER_READY)
    provider = PremiereProvider(polling(server.url, start_wait=0.2))

    api.set_provider(provider)
    event, details = next_event(got)
    assert (event, details.error_code) == (ProviderEvent.PROVIDER_ERROR, "PROVIDER_NOT_READY")
    waiting = api.get_client().get_boolean_details("a", False, ctx())
    assert (waiting.value, waiting.error_code) == (False, ErrorCode.PROVIDER_NOT_READY)

    server.flags_mode = "ok"
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    assert api.get_client().get_boolean_value("a", False, ctx()) is True


def test_events__bootstrap_and_server_down__ready_then_stale(dead_url: str) -> None:
    got = collect(ProviderEvent.PROVIDER_READY, ProviderEvent.PROVIDER_STALE)
    config = polling(dead_url, bootstrap=flags_document(), start_wait=1.0)

    api.set_provider_and_wait(PremiereProvider(config))

    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    assert next_event(got)[0] is ProviderEvent.PROVIDER_STALE  # at the next failed retry
    assert api.get_client().get_boolean_value("static", False, ctx()) is True


def test_shutdown__provider_built_the_client__closes_it(memory: InMemoryServer) -> None:
    provider = PremiereProvider(polling(memory))
    api.set_provider_and_wait(provider)
    client = provider.client
    assert client is not None

    api.shutdown()

    assert client.status().state is DataSourceState.OFF
    assert provider.client is None


def test_shutdown__wrapped_client__left_open(memory: InMemoryServer) -> None:
    with Client(polling(memory)) as client:
        api.set_provider_and_wait(PremiereProvider(client=client))
        assert api.get_client().get_boolean_value("a", False, ctx()) is True

        api.shutdown()

        assert client.status().state is DataSourceState.VALID
        assert client.variation("a", {"key": "u"}, False) is True


def test_track__custom_event_and_evaluations__sent_by_the_client(
    memory: InMemoryServer,
) -> None:
    provider = PremiereProvider(polling(memory, events=True, event_flush_interval=60))
    api.set_provider_and_wait(provider)
    client = api.get_client()

    client.get_boolean_value("a", False, ctx())
    client.track("purchase", ctx(), TrackingEventDetails(value=12.5))
    client.track("purchase", ctx())
    assert provider.client is not None and provider.client.flush()

    batch = memory.events[-1]
    assert batch["custom"] == [
        {
            "key": "purchase",
            "count": 2,
            "value_count": 1,
            "value_sum": 12.5,
            "value_sum_squares": 156.25,
        }
    ]
    assert {"key": "a", "variation": 0, "reason": "FALLTHROUGH", "count": 1} in batch["flags"]


def test_import__without_openfeature_sdk__sdk_still_imports() -> None:
    code = (
        "import sys; sys.modules['openfeature'] = None\n"
        "import premiere.sdk\n"
        "from premiere.sdk import Client, Config\n"
        "c = Client(Config(offline=True, bootstrap={'flags': {}}))\n"
        "print(c.variation('x', {}, 'ok'))\n"
        "try:\n"
        "    import premiere.sdk.openfeature\n"
        "except ImportError:\n"
        "    print('provider needs openfeature-sdk')\n"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.split("\n")[:2] == ["ok", "provider needs openfeature-sdk"]


# -- docs ---------------------------------------------------------------------------------

DOC = (Path(__file__).resolve().parents[2] / "docs" / "openfeature.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", [*ERROR_CODES, "CLIENT_NOT_READY"])
def test_docs__error_code__mapped_as_the_provider_maps_it(code: str) -> None:
    details = _error_details(error_result("d", code))

    assert f"| `{code}`" in DOC
    line = next(x for x in DOC.splitlines() if x.startswith(f"| `{code}`"))
    assert line.endswith(f"| `{details.error_code}` |")


SERVED_REASONS = [r.value for r in Reason if r.value not in ("CACHED", "STALE", "UNKNOWN")]


@pytest.mark.parametrize("reason", SERVED_REASONS)
def test_docs__reason__in_the_table(reason: str) -> None:
    assert f"| `{reason}` |" in DOC


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
        check_document(document)
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
    if r.variation is not None and not _fits(resolver, r.value):
        want: tuple[Any, ...] = (default, None, "ERROR", ErrorCode.TYPE_MISMATCH)
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
    if "openfeature_reason" in case and details.reason != case["openfeature_reason"]:
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

    assert disagreements == []
    assert (inexpressible, refused) == (3, 4)
    assert checked >= 230
