"""The demo project: created through the services, idempotent, and evaluating as described."""

from __future__ import annotations

import json
from typing import Any

import pytest

from premiere.cli.server.demo import FLAGS, seed_demo
from premiere.engine import compile_document, evaluate
from premiere.services import audit
from premiere.services.communication.entries import list_release_notes
from premiere.services.communication.exposure import announcement_stage
from premiere.services.communication.listing import list_project_notes
from premiere.services.deployments.darkcode import list_dark_code
from premiere.services.deployments.matrix import get_environment_matrix
from premiere.services.releases.checklist import get_release_checklist
from premiere.services.releases.checklist_templates import get_checklist_template
from premiere.services.releases.readiness import get_release_readiness
from premiere.services.releases.records import get_release
from premiere.services.sdk import documents
from premiere.store import Store

from .conftest import Cli


def test_demo__twice__second_run_changes_nothing(run_local: Cli) -> None:
    first = json.loads(run_local.ok("demo", "--json").stdout)
    assert first["created"] is True
    assert first["environments"] == ["development", "testing", "staging", "production"]
    second = run_local.ok("demo")
    assert "exists already" in second.stdout


def test_seed_demo__store__creates_every_flag_audited_as_demo(store: Store) -> None:
    made = seed_demo(store)
    assert made is not None
    assert len(made["flags"]) + len(made["archived_flags"]) == len(FLAGS) >= 12
    assert seed_demo(store) is None
    events = audit.list_audit_events(store, project="demo", limit=500)["items"]
    actors = {(e["actor"]["kind"], e["actor"]["id"]) for e in events}
    # the demo, and the finished release writing its flag
    assert events and actors == {("system", "demo"), ("release", "payments-v2-launch")}


def _evaluate(store: Store, env: str, flag: str, context: dict[str, Any]) -> dict[str, Any]:
    return documents.evaluate_flag(store, "demo", env, flag, context)


@pytest.fixture
def demo_store(store: Store) -> Store:
    seed_demo(store)
    return store


CASES = [
    ("production", "new-checkout", {"key": "u-7", "plan": "enterprise"}, True, "RULE_MATCH"),
    ("production", "new-checkout", {"key": "user-42"}, True, "TARGET_MATCH"),
    ("production", "new-checkout", {"key": "x", "email": "a@acme.example"}, True, "RULE_MATCH"),
    ("development", "new-checkout", {"key": "anyone"}, True, "FALLTHROUGH"),
    ("production", "dark-mode", {"key": "user-1001"}, True, "RULE_MATCH"),
    ("production", "search-v2", {"key": "contractor-7"}, "semantic", "RULE_MATCH"),
    ("production", "checkout-button-color", {"key": "x", "country": "DE"}, "green", "RULE_MATCH"),
    ("production", "max-cart-items", {"key": "x", "plan": "pro"}, 100, "RULE_MATCH"),
    ("production", "max-cart-items", {"key": "x"}, 50, "FALLTHROUGH"),
    ("staging", "pricing-page-config", {"key": "x"},
     {"layout": "two-tier", "highlight": "team", "annual_discount_percent": 15}, "FALLTHROUGH"),
    ("production", "maintenance-banner", {"key": "x"}, False, "OFF"),
    ("production", "holiday-sale", {"key": "x", "now": "2026-11-28T12:00:00Z"}, True, "RULE_MATCH"),
    ("production", "holiday-sale", {"key": "x", "now": "2026-12-02T12:00:00Z"}, False,
     "FALLTHROUGH"),
    ("production", "recommendations-model", {"key": "x", "region": "eu-west-1"}, "v2",
     "RULE_MATCH"),
]  # fmt: skip


def test_demo_flags__example_contexts__evaluate_as_described(demo_store: Store) -> None:
    wrong = []
    for env, flag, context, value, reason in CASES:
        result = _evaluate(demo_store, env, flag, context)
        if (result["value"], result["reason"]["kind"]) != (value, reason):
            wrong.append((env, flag, context, result))
    assert wrong == []


def test_demo_new_checkout__production_rollout__about_a_quarter(demo_store: Store) -> None:
    compiled = compile_document(documents.build_flag_document(demo_store, "demo", "production"))
    on = sum(
        evaluate(compiled, "new-checkout", {"key": f"visitor-{i}"}, False).value
        for i in range(1000)
    )
    assert 200 <= on <= 300


def test_demo_documents__every_environment__every_flag_compiles(demo_store: Store) -> None:
    for env in ("development", "testing", "staging", "production"):
        document = documents.build_flag_document(demo_store, "demo", env)
        assert "legacy-cart" not in document["flags"]
        for key in document["flags"]:
            result = _evaluate(demo_store, env, key, {"key": "probe"})
            assert result["reason"]["kind"] != "ERROR", (env, key, result)


def test_demo_deployments__matrix__production_runs_the_older_api(demo_store: Store) -> None:
    matrix = get_environment_matrix(demo_store, "demo")
    running = {
        (s["service"], env): (cell or {}).get("version")
        for s in matrix["services"]
        for env, cell in s["environments"].items()
    }
    assert running[("api", "staging")] == "1.5.0"
    assert running[("api", "production")] == "1.4.0"
    assert running[("worker", "production")] == "0.9.2"


def test_demo_deployments__dark_code__maintenance_banner_is_off_in_production(
    demo_store: Store,
) -> None:
    dark = list_dark_code(demo_store, "demo")
    assert [(i["flag"], i["reason"]) for i in dark["items"]] == [("maintenance-banner", "off")]


def test_demo_release__draft__waits_for_the_api_deployment_an_approval_and_support(
    demo_store: Store,
) -> None:
    assert get_release(demo_store, "demo", "recommendations-v2")["state"] == "draft"
    readiness = get_release_readiness(demo_store, "demo", "recommendations-v2")
    missing = {(m["kind"], m.get("service")) for m in readiness["missing"]}
    assert missing == {("deployment", "api"), ("approvals", None), ("checklist", None)}
    (item,) = [m["needed"] for m in readiness["missing"] if m["kind"] == "checklist"]
    assert (item["item"], item["title"]) == ("support-briefed", "Support briefed")


def test_demo_checklist__template__every_new_release_gets_its_items(demo_store: Store) -> None:
    template = get_checklist_template(demo_store, "demo")
    assert [(i["key"], i["required"]) for i in template["items"]] == [
        ("docs-published", False), ("support-briefed", True), ("announcement-approved", False),
    ]  # fmt: skip
    items = get_release_checklist(demo_store, "demo", "recommendations-v2")["items"]
    assert [(i["key"], i["done"]) for i in items] == [
        ("docs-published", False), ("support-briefed", False), ("announcement-approved", False),
    ]  # fmt: skip


def test_demo_release_notes__three_entries__audiences_features_and_internal_notes(
    demo_store: Store,
) -> None:
    notes = list_release_notes(demo_store, "demo", "recommendations-v2")
    assert [(n["category"], n["audience"], n["state"]) for n in notes] == [
        ("new", None, "draft"), ("improved", "beta-testers", "draft"), ("fixed", None, "draft"),
    ]  # fmt: skip
    assert notes[0]["features"] == ["recommendations-model"]
    assert notes[0]["links"] and notes[0]["links"][0]["url"].startswith("https://")
    assert "Support:" in notes[2]["internal"]
    release = get_release(demo_store, "demo", "recommendations-v2")
    assert release["announce"] == {"at": "first_public", "percent": None}
    assert announcement_stage(release) == 1  # 5 %, after staff


def test_demo_changelog__first_start__published_notes_of_the_finished_release(
    demo_store: Store,
) -> None:
    earlier = get_release(demo_store, "demo", "payments-v2-launch")
    assert earlier["state"] == "released"
    public = list_project_notes(demo_store, "demo", public=True)["items"]
    assert {n["release"] for n in public} == {"payments-v2-launch"}
    assert [n["title"] for n in public] and all("internal" not in n for n in public)
    assert len(public) == 2
    # and the release changed nothing of what payments-v2 served: on, true for everyone
    assert _evaluate(demo_store, "production", "payments-v2", {"key": "x"})["value"] is True
