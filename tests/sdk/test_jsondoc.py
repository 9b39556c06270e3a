"""Documents read from JSON text one flag at a time, and kept packed in the snapshot."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest

from premiere.sdk.document import (
    DocumentError,
    snapshot_from_document,
    snapshot_from_json,
)
from premiere.sdk.holder import DocumentHolder
from premiere.sdk.jsondoc import LazyObjects, read_document
from premiere.sdk.status import StatusTracker

from .support import boolean_flag, make_document, rule_rollout_flag


def _document() -> dict[str, Any]:
    now = boolean_flag(
        "launch",
        rules=[
            {
                "id": "r",
                "clauses": [{"attribute": "now", "op": "after", "values": [0]}],
                "serve": {"variation": 0},
            }
        ],
    )
    segmented = boolean_flag(
        "beta",
        rules=[
            {
                "id": "s",
                "clauses": [{"attribute": "key", "op": "segment_match", "values": ["svc"]}],
                "serve": {"variation": 0},
            }
        ],
    )
    doc = make_document(7, a=rule_rollout_flag("new-checkout"), b=now, c=segmented)
    doc["segments"] = {
        "svc": {
            "key": "svc",
            "included": [],
            "excluded": [],
            "rules": [
                {
                    "id": "x",
                    "clauses": [{"attribute": "premiere.service", "op": "in", "values": ["api"]}],
                }
            ],
        }
    }
    return doc


def test_read_document__spaced_json__flags_lazy_and_equal_to_json_loads() -> None:
    doc = _document()
    text = json.dumps(doc, indent=2)
    seen: list[str] = []

    read = read_document(text, lambda key, flag: seen.append(key))

    assert isinstance(read["flags"], LazyObjects)
    assert dict(read["flags"]) == doc["flags"]
    assert read["segments"] == doc["segments"] and read["version"] == 7
    assert seen == list(doc["flags"])


@pytest.mark.parametrize(
    "text",
    ["[1]", '{"flags": {"a": 1}}', '{"flags": {}} x', '{"flags": {"a": {}', '{"flags" {}}', ""],
)
def test_snapshot_from_json__not_a_usable_document__document_error(text: str) -> None:
    with pytest.raises(DocumentError):
        snapshot_from_json(text.encode())


def test_snapshot_from_json__same_document__same_answers_names_and_needs() -> None:
    doc = _document()
    from_dict = snapshot_from_document(doc)

    from_text = snapshot_from_json(json.dumps(doc).encode())

    assert list(from_text.flags) == list(from_dict.flags) == ["new-checkout", "launch", "beta"]
    assert from_text.needs_now == from_dict.needs_now == {"launch"}
    assert from_text.needs_service == from_dict.needs_service == {"beta"}
    assert from_text.variation_name("new-checkout", 1) == "off"
    assert from_text.variation_name("new-checkout", 2) is None
    assert from_text.document() == from_dict.document() == doc
    for user in ("u1", "u2", "u3", "u4"):
        ctx = {"key": user, "plan": "free"}
        run_text, run_dict = from_text.runners["new-checkout"], from_dict.runners["new-checkout"]
        assert run_text(ctx, None, ()) == run_dict(ctx, None, ())


def test_snapshot_from_document__not_json__document_error() -> None:
    doc = make_document(1, a=boolean_flag("a"))
    doc["extra"] = {1, 2}

    with pytest.raises(DocumentError, match="not JSON"):
        snapshot_from_document(doc)


def test_holder__same_document_as_dict_after_json__snapshot_kept() -> None:
    holder = DocumentHolder(StatusTracker(), logging.getLogger("test"))
    doc = _document()
    holder.put_document_json(json.dumps(doc, indent=1).encode(), "bootstrap")
    first = holder.current

    holder.put_document(json.loads(json.dumps(doc)), "server")
    holder.put_document_json(json.dumps(doc, indent=1).encode(), "server")

    assert holder.current is first
    changed = copy.deepcopy(doc)
    changed["flags"]["new-checkout"]["on"] = False
    holder.put_document(changed, "server")
    assert holder.current is not first and holder.current is not None
    assert holder.current.document() == changed
