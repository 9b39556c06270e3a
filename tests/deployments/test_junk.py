"""Random junk against the ledger's routes: whatever comes in, never a 500, and always
the one error shape, with a ledger that has deployments and checks in it. The seed is
fixed (override it with PREMIERE_FUZZ_SEED) so that a failure can be replayed."""

from __future__ import annotations

import json
import os
import random
from typing import Any

import pytest

from tests.api.support import Api

from .conftest import SHA, deploy

SEED = int(os.environ.get("PREMIERE_FUZZ_SEED", "20261126"))
ROUNDS_PER_ROUTE = 60
JUNK: list[Any] = [
    None,
    0,
    -1,
    2**70,
    1.5,
    float("1e308"),
    "",
    "x" * 5000,
    "ü\u200b",
    True,
    [],
    [[[]]],
    {},
    {"a": None},
    [1, "a", None],
    "2026-13-45T99:00:00Z",
    "-1",
    "1.0.0",
    SHA,
    "0" * 64,
]
LEDGER = ("deployments", "checks", "policy", "webhooks", "environment-matrix", "dark-code")
PATH_VALUES = {
    "project": ["shop"],
    "service": ["web"],
    "environment": ["staging", "production"],
    "deployment": ["1", "2", "3", "0", "-1", "99999999999999999999", "promote"],
    "key": ["smoke"],
    "flag": ["checkout", "ghost"],
}
BODIES: list[dict[str, Any]] = [
    {"service": "web", "environment": "production", "version": "1.0.0", "commit_sha": SHA},
    {
        "service": "web",
        "environment": "staging",
        "version": "2.0.0",
        "commit_sha": SHA,
        "features": ["checkout", "ghost"],
        "idempotency_key": "k",
        "commits": [{"sha": SHA}],
    },
    {"status": "in_progress"},
    {"status": "succeeded", "log_excerpt": "x" * 100},
    {"outcome": "succeeded", "duration_ms": 5},
    {"outcome": "failed", "reason": "r"},
    {"service": "web", "from": "staging", "to": "production"},
    {"key": "c2", "kind": "command", "argv": ["true"]},
    {"kind": "http", "url": "http://127.0.0.1:9/", "timeout_seconds": 0.1, "version": 1},
    {"require_verified_in_previous": True, "version": 1},
    {"secret": "s"},
    {"deployment": {"id": 1, "sha": SHA, "environment": "staging", "payload": "{]"}},
]


@pytest.mark.slow
def test_junk__ledger_routes__never_500(shop: Api) -> None:
    shop.flag("shop", "checkout")
    deploy(shop, features=["checkout"])
    deploy(shop, version="1.1.0")
    shop.ok(
        shop.post(
            "/api/v1/projects/shop/services/web/checks",
            {"key": "smoke", "kind": "command", "argv": ["true"]},
        ),
        201,
    )
    shop.project("other")
    tokens = [shop.admin_token, shop.token("deploy"), shop.token("deploy", project="other")]
    rng = random.Random(SEED)
    spec = shop.client.get("/openapi.json").json()
    routes = [(p, sorted(ops)) for p, ops in spec["paths"].items() if any(w in p for w in LEDGER)]
    assert len(routes) >= 14
    seen: dict[int, int] = {}
    for path, methods in routes:
        for _ in range(ROUNDS_PER_ROUTE):
            method = rng.choice(methods).upper() if rng.random() < 0.9 else "PATCH"
            kwargs = _body(rng)
            headers = {**_headers(rng, tokens), **kwargs.pop("headers", {})}
            if "webhooks/github/{project}" in path and rng.random() < 0.5:
                headers["X-GitHub-Event"] = rng.choice(["ping", "deployment", "deployment_status"])
                headers["X-Hub-Signature-256"] = rng.choice(["sha256=00", "", "x"])
            if rng.random() < 0.2:
                headers["Idempotency-Key"] = rng.choice(["", "k", "x" * 300])
            response = shop.client.request(
                method, _fill(rng, path), params=_query(rng), headers=headers, **kwargs
            )
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            assert response.status_code < 500, (path, method, response.text)
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message", "details"}
    assert seen.get(200, 0) + seen.get(201, 0) > 0
    assert seen.get(422, 0) > 0 and seen.get(404, 0) > 0


def _fill(rng: random.Random, template: str) -> str:
    path = template
    for name, values in PATH_VALUES.items():
        placeholder = "{" + name + "}"
        if placeholder in path:
            path = path.replace(placeholder, rng.choice([*values, "nope", "ü", "x" * 300, "%00"]))
    return path


def _body(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.4:
        return {"json": rng.choice(BODIES)}
    if roll < 0.7:  # a valid body with one field replaced by junk
        body = dict(rng.choice(BODIES))
        body[rng.choice([*body, "extra"])] = rng.choice(JUNK)
        return {"json": body}
    if roll < 0.8:
        return {"json": rng.choice(JUNK)}
    if roll < 0.9:
        raw = rng.choice([b"{", b"\xff\xfe", b"[" * 5000, json.dumps(BODIES).encode()])
        return {"content": raw, "headers": {"Content-Type": "application/json"}}
    return {"content": b"service=web", "headers": {"Content-Type": "text/plain"}}


def _headers(rng: random.Random, tokens: list[str]) -> dict[str, str]:
    roll = rng.random()
    if roll < 0.75:
        return {"Authorization": f"Bearer {rng.choice(tokens)}"}
    if roll < 0.85:
        return {"X-API-Key": rng.choice([*tokens, "", "prm_zz_zz"])}
    if roll < 0.95:
        return {"Authorization": rng.choice(["Bearer", "Token x", "Basic Og=="])}
    return {}


def _query(rng: random.Random) -> dict[str, str]:
    names = ["limit", "cursor", "since", "until", "status", "service", "environment", "wait"]
    values = ["", "0", "-1", "abc", "9" * 30, "2024-01-01", "succeeded", "ü", "a" * 1000, "0.2"]
    return {rng.choice(names): rng.choice(values) for _ in range(rng.randint(0, 3))}
