"""Premiere's SDK in the peer benchmark (peers_eval.py); from the project's root:

    python peers_eval.py --only growthbook,floor \
        --adapter benchmarks/peers_adapter.py:PremiereAdapter

Offline mode from a bootstrap document: no network, no background threads. The flags are
the benchmark's: ``new-checkout`` (plan in [enterprise] -> true, else a 25 % rollout by
key) and ``always-on``.
"""

from __future__ import annotations

import json
import os
from typing import Any

FLAG = "new-checkout"
TRIVIAL = "always-on"


def _flag(key: str, salt: str, **body: Any) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "boolean",
        "version": 1,
        "salt": salt,
        "client_visible": False,
        "variations": [{"value": True, "name": "on"}, {"value": False, "name": "off"}],
        "on": True,
        "off_variation": 1,
        "prerequisites": [],
        "targets": [],
        "rules": [],
        "fallthrough": {"variation": 0},
        **body,
    }


DOCUMENT = {
    "project": "bench",
    "environment": "production",
    "version": 1,
    "flags": {
        FLAG: _flag(
            FLAG,
            "new-checkout-salt",
            rules=[
                {
                    "id": "enterprise",
                    "clauses": [
                        {"attribute": "plan", "op": "in", "values": ["enterprise"], "negate": False}
                    ],
                    "serve": {"variation": 0},
                }
            ],
            fallthrough={
                "rollout": {
                    "bucket_by": "key",
                    "variations": [
                        {"variation": 0, "weight": 25000},
                        {"variation": 1, "weight": 75000},
                    ],
                }
            },
        ),
        TRIVIAL: _flag(TRIVIAL, "always-on-salt"),
    },
    "segments": {},
}


class PremiereAdapter:
    name = "premiere"
    packages = ("premiere", "mmh3")
    notes = (
        "premiere.sdk.Client(Config(offline=True, bootstrap_path=...)): the document loaded "
        "from a file, no network, no threads; context {'key': key, 'plan': plan}; "
        "eval = client.variation(flag, ctx, False). Rollout: mmh3 of salt + key, 100,000 buckets."
    )
    is_async = False

    def __init__(self, tmp: str) -> None:
        from premiere.sdk import Client, Config

        path = os.path.join(tmp, "premiere-flags.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(DOCUMENT, fh)
        self._client = Client(Config(offline=True, bootstrap_path=path))
        if not self._client.is_ready():
            raise RuntimeError(f"the bootstrap document did not load: {self._client.status()}")
        variation = self._client.variation
        # Bound closures, as the harness's own adapters use (one call less per evaluation).
        self.eval_rule = lambda ctx: variation(FLAG, ctx, False)  # type: ignore[method-assign]
        self.eval_trivial = lambda ctx: variation(TRIVIAL, ctx, False)  # type: ignore[method-assign]

    def eval_rule(self, ctx: dict[str, str]) -> bool:
        return bool(self._client.variation(FLAG, ctx, False))

    def eval_trivial(self, ctx: dict[str, str]) -> bool:
        return bool(self._client.variation(TRIVIAL, ctx, False))

    def make_ctx(self, key: str, plan: str) -> dict[str, str]:
        return {"key": key, "plan": plan}

    def close(self) -> None:
        self._client.close()


class PremiereCountingAdapter(PremiereAdapter):
    """The same, online: the client counts every evaluation for the events endpoint.

    Not a peer entry (it tries to reach a closed loopback port, which the harness blocks
    and reports as network attempts); it shows what event counting costs per evaluation.
    """

    name = "premiere-counting"
    notes = (
        "As premiere, but Config(offline=False, base_url=http://127.0.0.1:9, streaming=False, "
        "start_wait=0): the bootstrap document is served while the (blocked) server is "
        "retried in the background, and every evaluation is counted for the events endpoint."
    )

    def __init__(self, tmp: str) -> None:
        import logging

        from premiere.sdk import Client, Config

        logging.getLogger("premiere.sdk").setLevel(logging.CRITICAL)
        path = os.path.join(tmp, "premiere-flags.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(DOCUMENT, fh)
        config = Config(
            sdk_key="bench",
            base_url="http://127.0.0.1:9",
            streaming=False,
            start_wait=0,
            poll_interval=3600,
            event_flush_interval=3600,
            bootstrap_path=path,
        )
        self._client = Client(config)
        variation = self._client.variation
        self.eval_rule = lambda ctx: variation(FLAG, ctx, False)  # type: ignore[method-assign]
        self.eval_trivial = lambda ctx: variation(TRIVIAL, ctx, False)  # type: ignore[method-assign]


def _document_file(tmp: str) -> str:
    path = os.path.join(tmp, "premiere-flags.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(DOCUMENT, fh)
    return path


class PremiereOpenFeatureAdapter:
    """The same document through OpenFeature's API, as the flagd peer is measured.

    ``api.set_provider_and_wait(PremiereProvider(Config(offline=True, bootstrap_path=...)))``
    and ``client.get_boolean_value(flag, False, EvaluationContext(key, {"plan": plan}))``:
    the OpenFeature client's whole pipeline (context merging, hooks, type check) runs on
    every evaluation, then the provider evaluates with the offline Premiere client.
    """

    name = "premiere-openfeature"
    packages: tuple[str, ...] = ("premiere", "mmh3", "openfeature-sdk")
    notes = (
        "openfeature api.set_provider_and_wait(premiere.sdk.openfeature.PremiereProvider("
        "Config(offline=True, bootstrap_path=...))); client.get_boolean_value(flag, False, "
        "EvaluationContext(targeting_key=key, attributes={'plan': plan})). No network, no threads."
    )
    is_async = False

    def __init__(self, tmp: str) -> None:
        from premiere.sdk import Config
        from premiere.sdk.openfeature import PremiereProvider

        self._start(PremiereProvider(Config(offline=True, bootstrap_path=_document_file(tmp))))

    def _start(self, provider: Any) -> None:
        from openfeature import api
        from openfeature.evaluation_context import EvaluationContext

        api.set_provider_and_wait(provider)
        self._api = api
        self._EC = EvaluationContext
        get_boolean_value = api.get_client().get_boolean_value
        # Bound closures, as the harness's own flagd adapter uses.
        self.eval_rule = lambda ctx: get_boolean_value(FLAG, False, ctx)  # type: ignore[method-assign]
        self.eval_trivial = lambda ctx: get_boolean_value(TRIVIAL, False, ctx)  # type: ignore[method-assign]

    def eval_rule(self, ctx: Any) -> bool:
        return bool(self._api.get_client().get_boolean_value(FLAG, False, ctx))

    def eval_trivial(self, ctx: Any) -> bool:
        return bool(self._api.get_client().get_boolean_value(TRIVIAL, False, ctx))

    def make_ctx(self, key: str, plan: str) -> Any:
        return self._EC(targeting_key=key, attributes={"plan": plan})

    def close(self) -> None:
        self._api.shutdown()


class OpenFeatureCeilingAdapter(PremiereOpenFeatureAdapter):
    """Not a peer: OpenFeature's client with a provider that evaluates nothing.

    Its provider returns one prebuilt answer, so the figure is what OpenFeature's API
    costs by itself (context merging, hook contexts, status and type checks): the most any
    provider can reach through ``client.get_boolean_value`` in this interpreter. The value
    is always true, so its true fraction is 1.
    """

    name = "openfeature-ceiling"
    packages = ("openfeature-sdk",)
    notes = (
        "openfeature client.get_boolean_value(flag, False, EvaluationContext(...)) with a "
        "provider whose resolve returns a prebuilt FlagResolutionDetails(True): the API's own cost."
    )

    def __init__(self, tmp: str) -> None:
        from openfeature.flag_evaluation import FlagResolutionDetails, Reason
        from openfeature.provider import AbstractProvider, Metadata

        answer = FlagResolutionDetails(True, reason=Reason.STATIC, variant="on")
        metadata = Metadata(name="ceiling")

        class Prebuilt(AbstractProvider):
            def get_metadata(self) -> Metadata:
                return metadata

            def resolve_boolean_details(self, *args: Any, **kwargs: Any) -> Any:
                return answer

            resolve_string_details = resolve_integer_details = resolve_boolean_details
            resolve_float_details = resolve_object_details = resolve_boolean_details

        self._start(Prebuilt())
