"""A project's timeline read from the audit log: categories, sentences, links, filters, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from premiere.errors import NotFoundError, ValidationError
from premiere.services import Actor
from premiere.services.deployments.ledger import change_deployment_status, record_deployment
from premiere.services.flags.configs import update_flag_config
from premiere.services.flags.definitions import create_flag
from premiere.services.insights.timeline import list_timeline
from premiere.services.insights.timeline_items import CATEGORIES
from premiere.store import Store

from .conftest import GUARD, SHA, audit

OTHER = Actor(kind="token", id="t-9", name="ci pipeline")


def deployed(store: Store, actor: Actor, service: str, environment: str, version: str) -> int:
    body = {"service": service, "environment": environment, "version": version, "commit_sha": SHA}
    view, _ = record_deployment(store, actor, "demo", body)
    return int(view["id"])


def everything(store: Store, actor: Actor) -> None:
    """One change of each category, oldest first."""
    deployment = deployed(store, OTHER, "web", "production", "1.4.2")
    change_deployment_status(store, OTHER, "demo", deployment, {"status": "succeeded"})
    create_flag(store, actor, "demo", {"key": "checkout"})
    update_flag_config(
        store, actor, "demo", "checkout", "production", {"on": True}, 1, partial=True
    )
    release = {"name": "Checkout v2", "stage": 1}
    audit(
        store,
        actor,
        "release.started",
        "release",
        "checkout-v2",
        environment="production",
        after=release,
    )
    audit(store, actor, "release.approved", "release", "checkout-v2", after=release)
    audit(store, GUARD, "release.paused", "release", "checkout-v2", after=release)
    note = {"title": "Faster checkout", "release": "checkout-v2"}
    audit(store, actor, "note.published", "note", "7", after=note)
    audit(store, actor, "incident.opened", "incident", "inc-1", after={"title": "Checkout errors"})


def test_timeline__changes_of_each_kind__newest_first_with_category_title_and_link(
    store: Store, actor: Actor, demo: str
) -> None:
    everything(store, actor)
    items = list_timeline(store, "demo", limit=12)["items"]
    assert [(i["category"], i["title"]) for i in items[:10]] == [
        ("incident", "Incident Checkout errors opened"),
        ("note", "Release note “Faster checkout” published"),
        ("guard", "A guard paused release Checkout v2 after a regression"),
        ("approval", "Release Checkout v2 approved by Ada"),
        ("release", "Release Checkout v2 started"),
        ("flag", "Flag checkout turned on in production"),
        ("flag", "Flag checkout created"),
        ("deployment", "Deployment of web 1.4.2 to production succeeded"),
        ("deployment", "Deployment of web 1.4.2 to production recorded (pending)"),
        ("other", "Service worker created"),
    ]
    audit_of = "/projects/demo/audit?resource_type="
    assert [i["link"] for i in items[:6]] == [
        f"{audit_of}incident&resource_key=inc-1",
        "/projects/demo/releases/checkout-v2/notes/7",
        *["/projects/demo/releases/checkout-v2"] * 3,
        "/projects/demo/flags/checkout",
    ]
    assert items[9]["link"] == f"{audit_of}service&resource_key=worker"
    assert items[7]["link"].startswith("/projects/demo/deployments/")
    assert items[7]["actor"] == {"kind": "token", "id": "t-9", "name": "ci pipeline"}
    assert items[7]["environment"] == "production"


@pytest.mark.parametrize("category", CATEGORIES)
def test_timeline__category_filter__exactly_the_items_of_that_category(
    store: Store, actor: Actor, demo: str, category: str
) -> None:
    everything(store, actor)
    every = list_timeline(store, "demo", limit=200)["items"]
    chosen = list_timeline(store, "demo", categories=[category], limit=200)["items"]
    assert chosen
    assert [i["id"] for i in chosen] == [i["id"] for i in every if i["category"] == category]


def test_timeline__several_categories__either(store: Store, actor: Actor, demo: str) -> None:
    everything(store, actor)
    chosen = list_timeline(store, "demo", categories=["guard", "approval"])["items"]
    assert [i["category"] for i in chosen] == ["guard", "approval"]


def test_timeline__service_filter__its_deployments_and_their_results_only(
    store: Store, actor: Actor, demo: str
) -> None:
    web = deployed(store, actor, "web", "staging", "2.0.0")
    worker = deployed(store, actor, "worker", "staging", "9.9.9")
    change_deployment_status(store, actor, "demo", web, {"status": "failed", "reason": "boom"})
    change_deployment_status(store, actor, "demo", worker, {"status": "succeeded"})
    items = list_timeline(store, "demo", service="web")["items"]
    assert [i["title"] for i in items] == [
        "Deployment of web 2.0.0 to staging failed: boom",
        "Deployment of web 2.0.0 to staging recorded (pending)",
        "Service web created",
    ]
    assert list_timeline(store, "demo", service="nothing")["items"] == []


def test_timeline__environment_actor_and_time_filters__combine(
    store: Store, actor: Actor, demo: str
) -> None:
    deployed(store, OTHER, "web", "staging", "1.0.0")
    deployed(store, actor, "web", "production", "1.0.0")
    deployed(store, OTHER, "web", "production", "1.0.1")
    in_production = list_timeline(store, "demo", environment="production", actor="ci pipeline")
    assert [i["title"] for i in in_production["items"]] == [
        "Deployment of web 1.0.1 to production recorded (pending)"
    ]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert list_timeline(store, "demo", since=later)["items"] == []
    assert len(list_timeline(store, "demo", until=later, actor="t-9")["items"]) == 2


def test_timeline__cursor__pages_through_everything_once(
    store: Store, actor: Actor, demo: str
) -> None:
    everything(store, actor)
    every = [i["id"] for i in list_timeline(store, "demo", limit=200)["items"]]
    seen: list[int] = []
    cursor = None
    while True:
        page = list_timeline(store, "demo", limit=4, cursor=cursor)
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every
    assert len(seen) > 8


def test_timeline__bad_filters__validation_error_naming_each_field(store: Store, demo: str) -> None:
    with pytest.raises(ValidationError) as caught:
        list_timeline(store, "demo", categories=["flag", "weather"], limit=0, cursor=None)
    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("category", "enum"),
        ("limit", "range"),
    }
    with pytest.raises(ValidationError) as caught:
        list_timeline(store, "demo", cursor="bm90LWEtY3Vyc29y")
    assert caught.value.violations[0].rule == "invalid_cursor"


def test_timeline__unknown_project__not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        list_timeline(store, "nowhere")
