"""The go-to-market checklist through the services: the project's template copied
into each new release, required items gating the start, ticks audited, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from premiere.errors import InvalidStateError, NotFoundError, ValidationError
from premiere.services.audit import list_audit_events
from premiere.services.releases import checklist
from premiere.services.releases import records as releases
from premiere.services.releases.checklist_templates import (
    get_checklist_template,
    set_checklist_template,
)
from premiere.store import Store

from .conftest import APPROVER, CREATOR, deploy, release_data

TEMPLATE = {
    "items": [
        {"title": "Docs published", "owner": "docs@example.com", "required": True},
        {
            "key": "support",
            "title": "Support briefed",
            "owner": "Sam Support",
            "due_days_before": 2,
        },
    ]
}


def created(store: Store, **more: Any) -> dict[str, Any]:
    set_checklist_template(store, CREATOR, "demo", TEMPLATE)
    deploy(store, features=["checkout"])
    return releases.create_release(store, CREATOR, "demo", release_data(**more))


def start(store: Store) -> dict[str, Any]:
    version = releases.get_release(store, "demo", "new-checkout")["version"]
    return releases.start_release(store, CREATOR, "demo", "new-checkout", {}, version)


def test_create_release__project_template__copied_with_due_dates(store: Store, demo: str) -> None:
    created(store, schedule={"start_at": "2030-05-10T09:00:00Z"})

    view = checklist.get_release_checklist(store, demo, "new-checkout")

    assert [(i["key"], i["owner"], i["required"], i["due_at"]) for i in view["items"]] == [
        ("docs-published", "docs@example.com", True, None),
        ("support", "Sam Support", False, "2030-05-08T09:00:00.000000Z"),
    ]
    assert view["missing"] == ["docs-published"]


def test_start__required_item_not_done__refused_naming_it(store: Store, demo: str) -> None:
    created(store)

    with pytest.raises(InvalidStateError) as error:
        start(store)

    assert error.value.details["missing"] == [
        {
            "kind": "checklist",
            "flag": None,
            "service": None,
            "needed": {
                "item": "docs-published",
                "title": "Docs published",
                "owner": "docs@example.com",
                "due_at": None,
            },
            "found": "not done",
        }
    ]
    assert releases.get_release(store, demo, "new-checkout")["state"] == "draft"


def test_tick__required_item__start_allowed_and_audited(store: Store, demo: str) -> None:
    created(store)

    item = checklist.tick_checklist_item(store, APPROVER, demo, "new-checkout", "docs-published")

    assert item["done"] is True
    assert item["done_by"] == {"kind": "token", "id": "b" * 16, "name": "approver-1"}
    assert releases.get_release_readiness(store, demo, "new-checkout")["ready"] is True
    assert start(store)["state"] == "rolling_out"
    events = list_audit_events(store, project=demo, action="readiness.item_done")["items"]
    assert [(e["actor"]["id"], e["after"]["key"], e["after"]["done"]) for e in events] == [
        ("b" * 16, "docs-published", True)
    ]


def test_untick__done_item__missing_again_and_audited(store: Store, demo: str) -> None:
    created(store)
    checklist.tick_checklist_item(store, APPROVER, demo, "new-checkout", "docs-published")

    item = checklist.untick_checklist_item(store, CREATOR, demo, "new-checkout", "docs-published")

    assert (item["done"], item["done_by"], item["done_at"]) == (False, None, None)
    missing = releases.get_release_readiness(store, demo, "new-checkout")["missing"]
    assert [m["needed"]["item"] for m in missing if m["kind"] == "checklist"] == ["docs-published"]
    events = list_audit_events(store, project=demo, action="readiness.item_undone")["items"]
    assert [e["before"]["done"] for e in events] == [True]


def test_set_checklist__after_start__allowed_and_keeps_ticks(store: Store, demo: str) -> None:
    created(store)
    checklist.tick_checklist_item(store, CREATOR, demo, "new-checkout", "docs-published")
    start(store)
    items = [
        {"key": "docs-published", "title": "Docs live", "owner": "docs@example.com"},
        {"title": "Training scheduled", "owner": "Tia", "required": True},
    ]

    view = checklist.set_release_checklist(store, CREATOR, demo, "new-checkout", {"items": items})

    assert [(i["key"], i["done"]) for i in view["items"]] == [
        ("docs-published", True),
        ("training-scheduled", False),
    ]
    assert releases.get_release(store, demo, "new-checkout")["state"] == "rolling_out"
    ticked = checklist.tick_checklist_item(
        store, CREATOR, demo, "new-checkout", "training-scheduled"
    )
    assert ticked["done"] is True


@pytest.mark.parametrize(
    ("items", "field", "rule"),
    [
        ([{"title": "Docs"}], "items[0].owner", "required"),
        ([{"title": "Docs", "owner": "  "}], "items[0].owner", "required"),
        ([{"owner": "a"}], "items[0].title", "required"),
        (
            [{"title": "Docs", "owner": "a", "due_at": "2030-01-01T09:00"}],
            "items[0].due_at",
            "datetime",
        ),
        (
            [{"title": "Docs", "owner": "a", "due_days_before": -1}],
            "items[0].due_days_before",
            "minimum",
        ),
        ([{"title": "D", "owner": "a"}, {"title": "D", "owner": "b"}], "items[1].key", "duplicate"),
        ([{"title": "Docs", "owner": "a", "colour": "red"}], "items[0].colour", "unknown_field"),
        ("docs", "items", "type"),
        (
            [{"title": "Docs", "owner": "a", "due_at": "9999-12-31T23:59:59-23:59"}],
            "items[0].due_at",
            "datetime",
        ),
    ],
)
def test_set_checklist__bad_item__refused_naming_field_and_nothing_changed(
    store: Store, demo: str, items: Any, field: str, rule: str
) -> None:
    created(store)

    with pytest.raises(ValidationError) as error:
        checklist.set_release_checklist(store, CREATOR, demo, "new-checkout", {"items": items})

    assert (field, rule) in {(v.field, v.rule) for v in error.value.violations}
    keys = [i["key"] for i in checklist.get_release_checklist(store, demo, "new-checkout")["items"]]
    assert keys == ["docs-published", "support"]


def test_set_template__item_without_owner__refused(store: Store, demo: str) -> None:
    with pytest.raises(ValidationError) as error:
        set_checklist_template(store, CREATOR, demo, {"items": [{"title": "Docs published"}]})

    assert [(v.field, v.rule) for v in error.value.violations] == [("items[0].owner", "required")]
    assert get_checklist_template(store, demo)["items"] == []


def test_set_checklist__due_at_with_offset__stored_in_utc(store: Store, demo: str) -> None:
    created(store)
    items = [{"title": "Docs", "owner": "a", "due_at": "2030-01-01T09:00:00+02:00"}]

    view = checklist.set_release_checklist(
        store, CREATOR, demo, "new-checkout", {"items": items}, now=datetime(2030, 1, 2, tzinfo=UTC)
    )

    assert (view["items"][0]["due_at"], view["items"][0]["overdue"]) == (
        "2030-01-01T07:00:00.000000Z",
        True,
    )


def test_tick__unknown_item__not_found(store: Store, demo: str) -> None:
    created(store)

    with pytest.raises(NotFoundError):
        checklist.tick_checklist_item(store, CREATOR, demo, "new-checkout", "nope")


def test_scheduler__required_item_not_done__not_started_until_ticked(
    store: Store, demo: str
) -> None:
    # Given a scheduled release due to start, with a required item not done
    view = created(store, schedule={"start_at": "2030-01-01T09:00:00Z"})
    releases.schedule_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    due = datetime(2030, 1, 1, 9, 5, tzinfo=UTC)

    # When the scheduler runs at its start time
    releases.tick_releases(store, due)

    # Then it waits; once the item is ticked the next runs make it ready and start it
    assert releases.get_release(store, demo, "new-checkout")["state"] == "scheduled"
    checklist.tick_checklist_item(store, APPROVER, demo, "new-checkout", "docs-published")
    releases.tick_releases(store, due)
    assert releases.get_release(store, demo, "new-checkout")["state"] == "ready"
    releases.tick_releases(store, due)
    assert releases.get_release(store, demo, "new-checkout")["state"] == "rolling_out"
