"""A committed change, read from the feed into an update, becomes the patch of each
audience; the document patched equals the document built afresh (no server)."""

from __future__ import annotations

import pytest

from premiere.services import Actor
from premiere.services.flags.definitions import (
    archive_flag,
    create_flag,
    get_flag_config,
    update_flag_config,
)
from premiere.services.flags.segments import create_segment, update_segment
from premiere.services.sdk.documents import build_flag_document
from premiere.services.sdk.patches import EnvironmentDocument, Patches
from premiere.services.sdk.updates import (
    load_environment_document,
    read_document_versions,
    read_update,
)
from premiere.store import Store

KEY = ("demo", "production")


@pytest.fixture
def flags(store: Store, actor: Actor, project: str) -> None:
    create_segment(store, actor, project, {"key": "staff", "included": ["u-staff"]})
    create_flag(store, actor, project, {"key": "server-only"})
    create_flag(store, actor, project, {"key": "banner", "client_visible": True})


def staff_rule() -> dict[str, object]:
    return {
        "id": "staff",
        "clauses": [{"op": "segment_match", "values": ["staff"]}],
        "serve": {"variation": 0},
    }


def configure(store: Store, actor: Actor, flag: str, data: dict[str, object]) -> None:
    version = get_flag_config(store, "demo", flag, "production")["version"]
    update_flag_config(store, actor, "demo", flag, "production", data, version, partial=True)


def catch_up(store: Store, state: EnvironmentDocument) -> Patches:
    update = read_update(store, state.key, state.version, state.seq)
    assert update is not None
    return state.take(update)


def assert_same_as_built(store: Store, state: EnvironmentDocument) -> None:
    for client_only in (False, True):
        built = build_flag_document(store, *KEY, client_only=client_only)
        assert state.document(client_only) == built


def test_read_update__nothing_committed_since__none(store: Store, flags: None) -> None:
    state = load_environment_document(store, KEY)

    assert read_update(store, KEY, state.version, state.seq) is None
    assert read_document_versions(store)[KEY] == state.version


def test_read_update__server_only_flag_turned_on__server_patch_has_it_client_patch_empty(
    store: Store, actor: Actor, flags: None
) -> None:
    state = load_environment_document(store, KEY)
    before = state.version

    configure(store, actor, "server-only", {"on": True})
    patches = catch_up(store, state)

    assert state.version == before + 1
    assert patches[False]["flags"]["server-only"]["on"] is True
    assert patches[True] == {"version": before + 1, "flags": {}, "segments": {}}
    assert_same_as_built(store, state)


def test_read_update__client_flag_starts_using_a_segment__client_gets_flag_and_segment(
    store: Store, actor: Actor, flags: None
) -> None:
    state = load_environment_document(store, KEY)

    configure(store, actor, "banner", {"rules": [staff_rule()]})
    patches = catch_up(store, state)

    assert set(patches[True]["flags"]) == {"banner"}
    assert set(patches[True]["segments"]) == {"staff"}
    assert_same_as_built(store, state)


def test_read_update__segment_and_archive__patched_document_equals_the_built_one(
    store: Store, actor: Actor, flags: None
) -> None:
    configure(store, actor, "banner", {"rules": [staff_rule()]})
    state = load_environment_document(store, KEY)

    update_segment(store, actor, "demo", "staff", {"included": ["u-other"]}, 1)
    archive_flag(store, actor, "demo", "server-only", 1)
    patches = catch_up(store, state)

    assert patches[False]["flags"] == {"server-only": None}
    assert patches[True]["segments"]["staff"]["included"] == ["u-other"]
    assert_same_as_built(store, state)


def test_read_update__rows_already_in_the_loaded_document__no_patch_position_moves(
    store: Store, actor: Actor, flags: None
) -> None:
    state = load_environment_document(store, KEY)
    configure(store, actor, "server-only", {"on": True})
    # Loaded again after the change but at the old position: the row is read again.
    fresh = load_environment_document(store, KEY)
    fresh.seq = state.seq

    update = read_update(store, KEY, fresh.version, fresh.seq)

    assert update is not None and update.version == fresh.version
    assert (update.flags, update.segments) == ({}, {})
    assert fresh.take(update) == {}
    assert fresh.seq > state.seq
