"""``Client.whats_new``: the document's published notes that apply to a context, from
the document the client holds (bootstrap, JSON, patches); never raises."""

from __future__ import annotations

import json
from typing import Any

import pytest

from premiere.sdk import Client, Config
from premiere.sdk.document import DocumentError, apply_patch, snapshot_from_json

NOTE = {
    "id": 1,
    "release": "r",
    "title": "Dark mode",
    "body_html": "<p>Easier on the eyes.</p>",
    "category": "new",
    "audience": None,
    "features": ["dark-mode"],
    "published_at": "2026-01-01T00:00:00Z",
}
DOCUMENT: dict[str, Any] = {
    "version": 3,
    "flags": {
        "dark-mode": {
            "key": "dark-mode",
            "kind": "boolean",
            "on": True,
            "variations": [{"value": True}, {"value": False}],
            "off_variation": 1,
            "targets": [{"variation": 0, "values": ["ada"]}],
            "fallthrough": {"variation": 1},
        }
    },
    "segments": {},
    "notes": [NOTE],
}


def test_whats_new__bootstrap__notes_of_users_with_the_feature_only() -> None:
    with Client(Config(offline=True, bootstrap=DOCUMENT)) as client:
        assert client.whats_new({"key": "ada"}) == [NOTE]
        assert client.whats_new({"key": "bob"}) == []


@pytest.mark.parametrize("context", [None, "ada", 3, {"key": object()}])
def test_whats_new__junk_context__empty_never_raises(context: Any) -> None:
    with Client(Config(offline=True, bootstrap=DOCUMENT)) as client:
        assert client.whats_new(context) == []


def test_whats_new__no_document__empty() -> None:
    with Client(Config(offline=True)) as client:
        assert client.whats_new({"key": "ada"}) == []


def test_snapshot_from_json__notes__kept() -> None:
    snapshot = snapshot_from_json(json.dumps(DOCUMENT).encode())
    assert snapshot.notes == (NOTE,) and snapshot.off_variations == {"dark-mode": 1}


def test_apply_patch__notes__replaced_then_removed_and_junk_refused() -> None:
    second = {**NOTE, "id": 2}
    replaced = apply_patch(DOCUMENT, {"version": 4, "notes": [second]})
    assert replaced["notes"] == [second] and replaced["version"] == 4
    assert "notes" not in apply_patch(replaced, {"version": 5, "notes": []})
    assert apply_patch(DOCUMENT, {"version": 4})["notes"] == [NOTE]
    with pytest.raises(DocumentError):
        apply_patch(DOCUMENT, {"notes": {"1": NOTE}})
