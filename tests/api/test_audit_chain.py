"""The audit chain over HTTP: verify, export heads, admin only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from .support import Api

VERIFY = "/api/v1/audit/verify"
HEADS = "/api/v1/audit/heads"


def test_audit_verify__untouched__ok_with_counts(demo: Api) -> None:
    demo.flag("demo", "f")

    report = demo.ok(demo.get(VERIFY, params={"project": "demo"}))

    assert report["ok"] is True
    (chain,) = report["chains"]
    assert (chain["project"], chain["events"], chain["broken"]) == ("demo", 5, None)
    newest = demo.ok(demo.get("/api/v1/audit", params={"project": "demo", "limit": "1"}))
    assert chain["head"]["hash"] == newest["items"][0]["hash"]


def test_audit_verify__event_changed__names_the_first_broken_event(demo: Api) -> None:
    demo.flag("demo", "f")
    events = demo.ok(demo.get("/api/v1/audit", params={"project": "demo"}))["items"]
    target = events[-2]["id"]
    with demo.store.write() as session:
        if demo.store.dialect == "postgresql":
            session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :id"), {"id": target})

    report = demo.ok(demo.get(VERIFY))

    assert report["ok"] is False
    (chain,) = [c for c in report["chains"] if c["project"] == "demo"]
    assert chain["broken"]["event_id"] == target


def test_audit_heads__export__then_verify_against_it(demo: Api) -> None:
    demo.flag("demo", "f")

    heads = demo.ok(demo.get(HEADS))["items"]
    expect = [f"{h['event_id']}:{h['hash']}" for h in heads]
    report = demo.ok(demo.get(VERIFY, params={"expect": expect}))

    assert {h["project"] for h in heads} == {None, "demo"}  # the admin token's chain: no project
    assert set(heads[0]) == {"project", "event_id", "hash", "at", "events"}
    assert report["ok"] is True
    assert [e["ok"] for e in report["expected"]] == [True, True]


def test_audit_verify__bad_expect__422_names_query_field(demo: Api) -> None:
    response = demo.get(VERIFY, params={"expect": "nope"})

    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["field"] == "query.expect"


def test_audit_chain__not_admin__403(demo: Api) -> None:
    deployer = demo.token("deploy")

    assert demo.get(VERIFY, token=deployer).status_code == 403
    assert demo.get(HEADS, token=deployer).status_code == 403


def test_operations_md__recipe__reproduces_every_hash(demo: Api) -> None:
    # Given events with numbers a JSON column rewrites, read over HTTP
    demo.flag("demo", "n", kind="number", variations=[{"value": 1.0}, {"value": 1e16}])
    events = demo.ok(demo.get("/api/v1/audit", params={"limit": "500"}))["items"]
    # When the snippet in docs/operations.md hashes them
    operations = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    recipe = operations.split("**The recipe**", 1)[1]
    code = recipe.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the documentation's own code
    # Then it gives every stored hash
    assert [namespace["event_hash"](e) for e in events] == [e["hash"] for e in events]
