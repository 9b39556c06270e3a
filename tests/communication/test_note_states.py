"""A note's state follows its release's exposure, through a real release: draft,
scheduled, published at the announcement point, rolled back, published again."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.errors import InvalidStateError
from premiere.services.audit import list_audit_events
from premiere.services.communication import entries as notes
from premiere.services.communication.listing import list_project_notes
from premiere.services.releases import records as releases
from premiere.store import Store
from tests.releases.conftest import CREATOR, deploy, release_data

KEY = "new-checkout"


def act(store: Store, action: Any) -> dict[str, Any]:
    version = releases.get_release(store, "demo", KEY)["version"]
    return dict(action(store, CREATOR, "demo", KEY, {}, version))


def state_of(store: Store, note_id: int) -> str:
    return notes.get_note(store, "demo", KEY, note_id)["state"]


def public_ids(store: Store) -> list[int]:
    return [n["id"] for n in list_project_notes(store, "demo", public=True)["items"]]


def audit_actions(store: Store, note_id: int) -> list[str]:
    page = list_audit_events(store, project="demo", resource_type="note", resource_key=str(note_id))
    return sorted(event["action"] for event in page["items"])


def test_note__release_runs__published_at_first_public_stage_rolled_back_then_again(
    store: Store, release: dict[str, Any]
) -> None:
    note = notes.create_note(store, CREATOR, "demo", KEY, {"title": "A faster checkout"})
    assert note["state"] == "draft" and note["published_at"] is None

    act(store, releases.schedule_release)
    assert state_of(store, note["id"]) == "scheduled"
    view = act(store, releases.start_release)  # stage 0: staff, not public
    assert (view["stage"], state_of(store, note["id"])) == (0, "scheduled")
    assert public_ids(store) == []

    act(store, releases.advance_release)  # stage 1: 5 % of everyone
    published = notes.get_note(store, "demo", KEY, note["id"])
    assert published["state"] == "published" and published["published_at"] is not None
    assert public_ids(store) == [note["id"]]

    act(store, releases.rollback_release)
    assert state_of(store, note["id"]) == "rolled_back"
    assert public_ids(store) == []

    act(store, releases.start_release)  # restart: staff again
    assert state_of(store, note["id"]) == "scheduled"
    act(store, releases.advance_release)
    assert state_of(store, note["id"]) == "published"
    assert audit_actions(store, note["id"]) == [
        "note.created",
        "note.published",
        "note.published",
        "note.rolled_back",
    ]


def test_note__announce_at_release__published_only_when_released(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    data = release_data(announce={"at": "released"}, notes={"title": "Dark mode"})
    view = releases.create_release(store, CREATOR, demo, data)
    assert view["announce"] == {"at": "released", "percent": None}
    (note,) = notes.list_release_notes(store, demo, KEY)
    act(store, releases.start_release)
    for stage in (1, 2, 3):
        assert act(store, releases.advance_release)["stage"] == stage
        assert state_of(store, note["id"]) == "scheduled"
    assert act(store, releases.advance_release)["state"] == "released"
    assert state_of(store, note["id"]) == "published"


def test_note__announce_at_percent__published_from_that_stage(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    data = release_data(announce={"at": "percent", "percent": 50}, notes={"title": "Dark mode"})
    releases.create_release(store, CREATOR, demo, data)
    (note,) = notes.list_release_notes(store, demo, KEY)
    act(store, releases.start_release)
    act(store, releases.advance_release)  # 5 %
    assert state_of(store, note["id"]) == "scheduled"
    act(store, releases.advance_release)  # 50 %
    assert state_of(store, note["id"]) == "published"


def test_note__added_after_announcement__published_at_once(
    store: Store, release: dict[str, Any]
) -> None:
    act(store, releases.start_release)
    act(store, releases.advance_release)
    note = notes.create_note(store, CREATOR, "demo", KEY, {"title": "Also: receipts"})
    assert note["state"] == "published"
    assert audit_actions(store, note["id"]) == ["note.created", "note.published"]


def test_note__manual_publish_and_unpublish__override_exposure_until_rollback(
    store: Store, release: dict[str, Any]
) -> None:
    early = notes.create_note(store, CREATOR, "demo", KEY, {"title": "Coming soon"})
    held = notes.create_note(store, CREATOR, "demo", KEY, {"title": "Not yet"})

    assert notes.publish_note(store, CREATOR, "demo", KEY, early["id"])["state"] == "published"
    assert public_ids(store) == [early["id"]]
    assert notes.unpublish_note(store, CREATOR, "demo", KEY, held["id"])["state"] == "draft"

    act(store, releases.start_release)
    act(store, releases.advance_release)  # the announcement point
    assert (state_of(store, early["id"]), state_of(store, held["id"])) == ("published", "scheduled")
    assert audit_actions(store, held["id"]) == ["note.created", "note.unpublished"]

    act(store, releases.rollback_release)  # drops both, and the manual choices
    assert (state_of(store, early["id"]), state_of(store, held["id"])) == (
        "rolled_back",
        "rolled_back",
    )
    with pytest.raises(InvalidStateError):
        notes.publish_note(store, CREATOR, "demo", KEY, early["id"])
    act(store, releases.start_release)
    act(store, releases.advance_release)
    assert (state_of(store, early["id"]), state_of(store, held["id"])) == ("published", "published")


def test_note__unpublished_after_publication__leaves_public_lists(
    store: Store, release: dict[str, Any]
) -> None:
    note = notes.create_note(store, CREATOR, "demo", KEY, {"title": "Oops"})
    act(store, releases.start_release)
    act(store, releases.advance_release)
    assert public_ids(store) == [note["id"]]

    view = notes.unpublish_note(store, CREATOR, "demo", KEY, note["id"])

    assert view["state"] == "scheduled" and public_ids(store) == []
    assert "note.unpublished" in audit_actions(store, note["id"])
