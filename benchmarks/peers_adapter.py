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
