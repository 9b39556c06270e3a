"""Which change becomes which patch for which audience, from plain dicts (no store, no server)."""

from __future__ import annotations

from typing import Any

from premiere.services.sdk.patches import DocumentUpdate, EnvironmentDocument

SERVER, CLIENT = False, True


def flag(key: str, *, client_visible: bool = False, segments: tuple[str, ...] = ()) -> Any:
    rules = [
        {"id": s, "clauses": [{"op": "segment_match", "values": [s]}], "serve": {"variation": 0}}
        for s in segments
    ]
    return {"key": key, "on": True, "client_visible": client_visible, "rules": rules}


def segment(key: str, *included: str) -> Any:
    return {"key": key, "included": list(included)}


def loaded(version: int = 7, seq: int = 30) -> EnvironmentDocument:
    """Given a document with a server-only flag, a client-visible flag using ``staff``,
    and two segments, ``staff`` and ``beta``."""
    state = EnvironmentDocument(("demo", "production"))
    document = {
        "project": "demo",
        "environment": "production",
        "version": version,
        "flags": {
            "server-only": flag("server-only", segments=("beta",)),
            "banner": flag("banner", client_visible=True, segments=("staff",)),
        },
        "segments": {"staff": segment("staff", "u-1"), "beta": segment("beta", "u-2")},
    }
    state.load(document, seq)
    return state


def update(
    version: int = 8, seq: int = 31, flags: Any = None, segments: Any = None
) -> DocumentUpdate:
    return DocumentUpdate(version, seq, flags or {}, segments or {})


def test_document__client_audience__client_visible_flags_and_their_segments_only() -> None:
    state = loaded()

    server, client = state.document(SERVER), state.document(CLIENT)

    assert (server["version"], client["version"]) == (7, 7)
    assert set(server["flags"]) == {"server-only", "banner"}
    assert set(server["segments"]) == {"staff", "beta"}
    assert set(client["flags"]) == {"banner"}
    assert set(client["segments"]) == {"staff"}
    assert (client["project"], client["environment"]) == ("demo", "production")


def test_take__server_only_flag_changed__client_patch_empty_but_version_moves() -> None:
    state = loaded()
    changed = {**flag("server-only"), "on": False}

    patches = state.take(update(flags={"server-only": changed}))

    assert patches[SERVER] == {"version": 8, "flags": {"server-only": changed}, "segments": {}}
    assert patches[CLIENT] == {"version": 8, "flags": {}, "segments": {}}
    assert (state.version, state.seq) == (8, 31)
    assert state.document(SERVER)["flags"]["server-only"] == changed


def test_take__flag_stops_being_client_visible__null_for_client_and_its_segment_too() -> None:
    state = loaded()
    hidden = flag("banner", client_visible=False, segments=("staff",))

    patches = state.take(update(flags={"banner": hidden}))

    assert patches[SERVER]["flags"] == {"banner": hidden}
    assert patches[CLIENT] == {
        "version": 8,
        "flags": {"banner": None},
        "segments": {"staff": None},
    }
    assert state.document(CLIENT)["flags"] == {}
    assert state.document(CLIENT)["segments"] == {}


def test_take__client_flag_starts_using_a_segment__segment_arrives_whole_for_client() -> None:
    state = loaded()
    widened = flag("banner", client_visible=True, segments=("staff", "beta"))

    patches = state.take(update(flags={"banner": widened}))

    assert patches[CLIENT]["flags"] == {"banner": widened}
    assert patches[CLIENT]["segments"] == {"beta": segment("beta", "u-2")}
    assert patches[SERVER]["segments"] == {}


def test_take__segment_changed__client_sees_it_only_if_a_client_flag_uses_it() -> None:
    state = loaded()
    staff, beta = segment("staff", "u-1", "u-3"), segment("beta")

    patches = state.take(update(segments={"staff": staff, "beta": beta}))

    assert patches[SERVER]["segments"] == {"staff": staff, "beta": beta}
    assert patches[CLIENT] == {"version": 8, "flags": {}, "segments": {"staff": staff}}


def test_take__flag_deleted__null_in_both_patches_and_gone_from_the_document() -> None:
    state = loaded()

    patches = state.take(update(flags={"banner": None}))

    assert patches[SERVER]["flags"] == {"banner": None}
    assert patches[CLIENT]["flags"] == {"banner": None}
    assert patches[CLIENT]["segments"] == {"staff": None}
    assert "banner" not in state.document(SERVER)["flags"]


def test_take__rows_already_in_the_document__no_patch_only_the_position_moves() -> None:
    state = loaded(version=7, seq=30)
    before = state.document(SERVER)

    patches = state.take(update(version=7, seq=35))

    assert patches == {}
    assert (state.version, state.seq) == (7, 35)
    assert state.document(SERVER) == before


def test_load__again__starts_over_from_the_new_document() -> None:
    state = loaded()
    state.take(update(flags={"banner": None}))

    state.load({"version": 12, "flags": {"x": flag("x", client_visible=True)}, "segments": {}}, 50)

    assert (state.version, state.seq) == (12, 50)
    assert set(state.document(CLIENT)["flags"]) == {"x"}
    assert state.document(CLIENT)["segments"] == {}


def test_apply__server_patches_replayed__same_client_patches() -> None:
    # What a relay fed by an sdk-server stream does: each server patch, taken as an
    # update, yields the client patch the control plane would have sent.
    origin, relay = loaded(), loaded()
    changes = [
        update(8, 31, flags={"banner": flag("banner", client_visible=True, segments=("beta",))}),
        update(9, 32, segments={"beta": segment("beta", "u-9")}),
        update(10, 33, flags={"server-only": flag("server-only", client_visible=True)}),
        update(11, 34, flags={"banner": None}),
    ]

    for change in changes:
        expected = origin.take(change)
        server = expected[SERVER]
        replayed = relay.take(update(server["version"], 0, server["flags"], server["segments"]))
        assert replayed[CLIENT] == expected[CLIENT]

    assert relay.document(CLIENT) == origin.document(CLIENT)


def test_apply__notes_changed__both_audiences_get_the_whole_list() -> None:
    state = loaded()
    notes = [{"id": 3, "title": "New", "audience": None, "features": []}]

    patches = state.apply(DocumentUpdate(8, 31, {}, {}, notes))

    assert patches[SERVER]["notes"] == patches[CLIENT]["notes"] == notes
    assert state.document(CLIENT)["notes"] == notes
    emptied = state.apply(DocumentUpdate(9, 32, {}, {}, []))
    assert emptied[SERVER]["notes"] == [] and "notes" not in state.document(SERVER)


def test_apply__notes_unchanged__no_notes_in_the_patches() -> None:
    state = loaded()

    patches = state.apply(update(flags={"banner": flag("banner", client_visible=True)}))

    assert "notes" not in patches[SERVER] and "notes" not in patches[CLIENT]
