from __future__ import annotations

import pytest

from premiere import engine
from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.flags.definitions import archive_flag, create_flag, update_flag_config
from premiere.services.flags.segments import create_segment
from premiere.services.sdk.documents import build_flag_document, document_version, evaluate_flag
from premiere.store import Store


@pytest.fixture
def flags(store: Store, actor: Actor, project: str) -> None:
    create_segment(store, actor, project, {"key": "staff", "included": ["u-staff"]})
    create_segment(store, actor, project, {"key": "beta", "included": ["u-beta"]})
    create_flag(store, actor, project, {"key": "server-only"})
    create_flag(store, actor, project, {"key": "banner", "client_visible": True})
    create_flag(store, actor, project, {"key": "gone"})
    archive_flag(store, actor, project, "gone", 1)
    rule = {
        "id": "staff",
        "clauses": [{"op": "segment_match", "values": ["staff"]}],
        "serve": {"variation": 0},
    }
    update_flag_config(
        store,
        actor,
        project,
        "banner",
        "production",
        {"on": True, "rules": [rule], "fallthrough": {"variation": 1}},
        1,
        partial=True,
    )


def test_build_flag_document__server__live_flags_and_all_segments(
    store: Store, project: str, flags: None
) -> None:
    document = build_flag_document(store, project, "production")

    assert (document["project"], document["environment"]) == ("demo", "production")
    assert document["version"] == document_version(store, project, "production")
    assert sorted(document["flags"]) == ["banner", "server-only"]
    assert sorted(document["segments"]) == ["beta", "staff"]
    banner = document["flags"]["banner"]
    assert set(banner) == {
        "key",
        "kind",
        "version",
        "salt",
        "client_visible",
        "variations",
        "on",
        "off_variation",
        "prerequisites",
        "targets",
        "rules",
        "fallthrough",
    }
    assert banner["variations"] == [{"value": True, "name": "on"}, {"value": False, "name": "off"}]
    assert banner["version"] == 2
    assert engine.validate_flag(banner) == []
    assert document["segments"]["staff"] == {
        "key": "staff",
        "version": 1,
        "included": ["u-staff"],
        "excluded": [],
        "rules": [],
    }


def test_build_flag_document__client_only__visible_flags_and_their_segments(
    store: Store, project: str, flags: None
) -> None:
    document = build_flag_document(store, project, "production", client_only=True)

    assert list(document["flags"]) == ["banner"]
    assert list(document["segments"]) == ["staff"]


def test_build_flag_document__compiles__without_problems(
    store: Store, project: str, flags: None
) -> None:
    compiled = engine.compile_document(build_flag_document(store, project, "production"))

    assert compiled.problems == {}


def test_document_version__unknown_environment__not_found(store: Store, project: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        document_version(store, project, "qa")
    assert caught.value.details["resource"] == "environment"
    with pytest.raises(NotFoundError) as caught:
        document_version(store, "nope", "production")
    assert caught.value.details["resource"] == "project"


def test_evaluate_flag__segment_rule__rule_match_for_member(
    store: Store, project: str, flags: None
) -> None:
    staff = evaluate_flag(store, project, "production", "banner", {"key": "u-staff"})
    other = evaluate_flag(store, project, "production", "banner", {"key": "u-other"})
    off = evaluate_flag(store, project, "staging", "banner", {"key": "u-staff"})

    assert staff["flag"] == "banner"
    assert (staff["value"], staff["reason"]["kind"], staff["reason"]["rule_id"]) == (
        True,
        "RULE_MATCH",
        "staff",
    )
    assert (other["value"], other["reason"]["kind"]) == (False, "FALLTHROUGH")
    assert (off["value"], off["reason"]["kind"]) == (False, "OFF")


def test_evaluate_flag__archived_or_unknown__not_found(
    store: Store, project: str, flags: None
) -> None:
    for key in ("gone", "never"):
        with pytest.raises(NotFoundError):
            evaluate_flag(store, project, "production", key, {"key": "u"})
