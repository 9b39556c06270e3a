"""Fixtures: project ``demo`` (staging, production) with services ``api`` and ``web``,
flag ``checkout`` (boolean, off everywhere), segment ``staff``, and helpers to deploy
code and to evaluate the production document with the engine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from premiere import engine
from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments import ledger
from premiere.services.flags.definitions import create_flag
from premiere.services.flags.segments import create_segment
from premiere.services.sdk.documents import build_flag_document
from premiere.store import Store

SHA = "0123456789abcdef0123456789abcdef01234567"
CREATOR = Actor(kind="token", id="a" * 16, name="release-manager")
APPROVER = Actor(kind="token", id="b" * 16, name="approver-1")
APPROVER_2 = Actor(kind="token", id="c" * 16, name="approver-2")


@pytest.fixture
def demo(store: Store, project: str, actor: Actor) -> str:
    for service in ("api", "web"):
        create_service(store, actor, project, {"key": service})
    create_flag(store, actor, project, {"key": "checkout"})
    create_flag(store, actor, project, {"key": "banner"})
    create_segment(store, actor, project, {"key": "staff", "rules": [staff_rule()]})
    return project


def staff_rule() -> dict[str, Any]:
    return {"clauses": [{"attribute": "email", "op": "ends_with", "values": ["@example.com"]}]}


def deploy(
    store: Store,
    service: str = "api",
    version: str = "2.0.0",
    *,
    environment: str = "production",
    features: list[str] | None = None,
) -> dict[str, Any]:
    actor = Actor(kind="token", id="d" * 16, name="ci")
    view, _ = ledger.record_deployment(
        store,
        actor,
        "demo",
        {
            "service": service,
            "environment": environment,
            "version": version,
            "commit_sha": SHA,
            "features": features or [],
        },
    )
    return ledger.finish_deployment(store, actor, "demo", view["id"], {"outcome": "succeeded"})


def release_data(**more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "new-checkout",
        "name": "New checkout",
        "environment": "production",
        "features": [{"flag": "checkout", "variation": 0}],
        "plan": {
            "stages": [
                {"segment": "staff", "hold_seconds": 600},
                {"percent": 5, "hold": "PT1H"},
                {"percent": 50, "hold_seconds": 3600},
                {"percent": 100, "hold_seconds": 3600},
            ]
        },
    }
    data.update(more)
    return data


def evaluate(store: Store, flag: str, context: Mapping[str, Any]) -> Any:
    compiled = engine.compile_document(build_flag_document(store, "demo", "production"))
    return engine.evaluate(compiled, flag, dict(context), None).value


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
