"""Published notes in the flag document: a publish, an edit while published and a
withdrawal each move the document's version and reach SDK streams as a ``notes``
patch; drafts and internal notes never appear."""

from __future__ import annotations

from typing import Any

from premiere.services.communication import entries as notes
from premiere.services.sdk.documents import build_flag_document
from premiere.services.sdk.patches import EnvironmentDocument
from premiere.services.sdk.updates import load_environment_document, read_update
from premiere.store import Store
from tests.releases.conftest import CREATOR

KEY = "new-checkout"
ENV = ("demo", "production")


def add(store: Store, **fields: Any) -> dict[str, Any]:
    data = {"title": "Receipts", "body": "**Mailed**", "internal": "support only", **fields}
    return dict(notes.create_note(store, CREATOR, "demo", KEY, data))


def patched(store: Store, state: EnvironmentDocument) -> dict[bool, dict[str, Any]]:
    update = read_update(store, ENV, state.version, state.seq)
    assert update is not None
    return state.take(update)


def test_document__note_published_edited_withdrawn__version_moves_and_streams_get_notes(
    store: Store, release: dict[str, Any]
) -> None:
    note = add(store)
    draft = build_flag_document(store, *ENV)
    assert "notes" not in draft  # a draft is not public
    state = load_environment_document(store, ENV)

    notes.publish_note(store, CREATOR, "demo", KEY, note["id"])
    published = build_flag_document(store, *ENV)
    assert published["version"] > draft["version"]
    (entry,) = published["notes"]
    assert entry["title"] == "Receipts" and entry["body_html"] == "<p><strong>Mailed</strong></p>\n"
    assert entry["features"] == ["checkout"]  # the release's, as the note names none
    assert "internal" not in entry and "created_by" not in entry
    assert build_flag_document(store, *ENV, client_only=True)["notes"] == published["notes"]
    patches = patched(store, state)
    assert patches[False]["notes"] == patches[True]["notes"] == published["notes"]

    current = notes.get_note(store, "demo", KEY, note["id"])
    notes.update_note(
        store, CREATOR, "demo", KEY, note["id"], {"title": "Sent"}, current["version"]
    )
    assert [n["title"] for n in patched(store, state)[True]["notes"]] == ["Sent"]

    notes.unpublish_note(store, CREATOR, "demo", KEY, note["id"])
    assert patched(store, state)[False]["notes"] == []
    assert "notes" not in build_flag_document(store, *ENV)
    assert state.document(False) == build_flag_document(store, *ENV)


def test_document__draft_edited__version_unchanged(store: Store, release: dict[str, Any]) -> None:
    note = add(store)
    before = build_flag_document(store, *ENV)["version"]

    notes.update_note(store, CREATOR, "demo", KEY, note["id"], {"title": "New"}, note["version"])

    assert build_flag_document(store, *ENV)["version"] == before
