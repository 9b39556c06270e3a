"""Releases through the services: readiness, approvals, stages written as audited
flag configuration changes, rollback, conflicts and bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from premiere.errors import (
    ConflictError,
    FlagLockedError,
    InvalidStateError,
    ValidationError,
    VersionConflictError,
)
from premiere.services.audit import list_audit_events
from premiere.services.flags.definitions import get_flag_config, update_flag_config
from premiere.services.releases import records as releases
from premiere.store import Store
from premiere.store.types import utc_now

from .conftest import (
    APPROVER,
    APPROVER_2,
    CREATOR,
    deploy,
    evaluate,
    later,
    release_data,
)


def rules_of(store: Store, flag: str = "checkout") -> list[str]:
    return [rule["id"] for rule in get_flag_config(store, "demo", flag, "production")["rules"]]


def started(store: Store, **more: Any) -> dict[str, Any]:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, "demo", release_data(**more))
    return releases.start_release(store, CREATOR, "demo", view["key"], {}, view["version"])


def violations(error: pytest.ExceptionInfo[ValidationError]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in error.value.violations}


def test_readiness__code_not_deployed__lists_missing_until_verified(
    store: Store, demo: str
) -> None:
    data = release_data(
        features=[{"flag": "checkout", "variation": 0, "min_versions": {"api": "2.1.0"}}]
    )
    releases.create_release(store, CREATOR, demo, data)
    missing = releases.get_release_readiness(store, demo, "new-checkout")["missing"]
    assert missing == [
        {
            "kind": "deployment",
            "flag": "checkout",
            "service": "api",
            "needed": ">= 2.1.0, verified",
            "found": None,
        }
    ]
    deploy(store, "api", "2.0.0")
    found = releases.get_release_readiness(store, demo, "new-checkout")["missing"][0]["found"]
    assert found == "2.0.0"
    deploy(store, "api", "2.1.0")
    assert releases.get_release_readiness(store, demo, "new-checkout") == {
        "release": "new-checkout",
        "ready": True,
        "missing": [],
    }


def test_start__not_ready__invalid_state_names_what_is_missing(store: Store, demo: str) -> None:
    view = releases.create_release(store, CREATOR, demo, release_data())
    with pytest.raises(InvalidStateError) as error:
        releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert error.value.details["missing"][0]["kind"] == "deployment"
    assert rules_of(store) == []


def test_approvals__self_approval__refused(store: Store, demo: str) -> None:
    releases.create_release(store, CREATOR, demo, release_data(required_approvals=1))
    with pytest.raises(ValidationError) as error:
        releases.approve_release(store, CREATOR, demo, "new-checkout", {})
    assert violations(error) == {("approver", "self_approval")}


def test_approvals__edit_after_approval__voided_and_listed(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data(required_approvals=2))
    releases.approve_release(store, APPROVER, demo, "new-checkout", {"comment": "ok"})
    releases.approve_release(store, APPROVER_2, demo, "new-checkout", {})
    assert releases.get_release_readiness(store, demo, "new-checkout")["ready"] is True
    edited = releases.update_release(
        store,
        CREATOR,
        demo,
        "new-checkout",
        {"plan": {"stages": [{"percent": 100}]}},
        view["version"],
    )
    assert edited["approvals"] == {"required": 2, "valid": 0, "void": 2}
    assert [a["void"] for a in releases.list_release_approvals(store, demo, "new-checkout")] == [
        True,
        True,
    ]
    missing = releases.get_release_readiness(store, demo, "new-checkout")["missing"]
    assert missing == [
        {"kind": "approvals", "flag": None, "service": None, "needed": 2, "found": 0}
    ]


def test_approvals__name_only_edit__approvals_stay_valid(store: Store, demo: str) -> None:
    view = releases.create_release(store, CREATOR, demo, release_data(required_approvals=1))
    releases.approve_release(store, APPROVER, demo, "new-checkout", {})
    edited = releases.update_release(
        store, CREATOR, demo, "new-checkout", {"name": "Checkout v2"}, view["version"]
    )
    assert edited["approvals"]["valid"] == 1


def test_start__stage_applied__through_audited_flag_config_write(store: Store, demo: str) -> None:
    view = started(store)
    assert view["state"] == "rolling_out" and view["stage"] == 0
    assert rules_of(store) == ["release-new-checkout-s0"]
    assert evaluate(store, "checkout", {"key": "u1", "email": "ada@example.com"}) is True
    assert evaluate(store, "checkout", {"key": "u1", "email": "ada@elsewhere.org"}) is False
    events = list_audit_events(
        store,
        project="demo",
        resource_type="flag",
        resource_key="checkout",
        action="flag_config.updated",
    )["items"]
    assert events[0]["actor"] == {
        "kind": "release",
        "id": "new-checkout",
        "name": "release new-checkout",
    }
    transitions = list_audit_events(store, project="demo", action="release.started")["items"]
    assert transitions[0]["actor"]["id"] == CREATOR.id


def test_rollback__after_stages__restores_pre_release_configuration(
    store: Store, demo: str
) -> None:
    before = get_flag_config(store, demo, "checkout", "production")
    view = started(store)
    view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert view["stage"] == 1
    view = releases.rollback_release(
        store, CREATOR, demo, "new-checkout", {"reason": "errors"}, view["version"]
    )
    assert view["state"] == "rolled_back"
    assert view["last_transition"]["reason"] == "errors"
    after = get_flag_config(store, demo, "checkout", "production")
    fields = ("on", "off_variation", "prerequisites", "targets", "rules", "fallthrough")
    assert {f: after[f] for f in fields} == {f: before[f] for f in fields}
    assert after["version"] > before["version"]


def test_advance__past_last_stage__released_with_fallthrough(store: Store, demo: str) -> None:
    view = started(store, plan={"stages": [{"percent": 10}, {"percent": 100}]})
    for _ in range(2):
        view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert view["state"] == "released"
    config = get_flag_config(store, demo, "checkout", "production")
    assert (
        config["on"] is True and config["fallthrough"] == {"variation": 0} and config["rules"] == []
    )


def test_pause_resume__stale_version__conflict(store: Store, demo: str) -> None:
    view = started(store)
    paused = releases.pause_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert paused["state"] == "paused"
    with pytest.raises(VersionConflictError):
        releases.resume_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    with pytest.raises(InvalidStateError):
        releases.advance_release(store, CREATOR, demo, "new-checkout", {}, paused["version"])
    resumed = releases.resume_release(store, CREATOR, demo, "new-checkout", {}, paused["version"])
    assert resumed["state"] == "rolling_out" and resumed["stage"] == 0


def test_readiness__unverified_deployment__names_it(store: Store, demo: str) -> None:
    data = release_data(
        features=[
            {"flag": "checkout", "variation": 0, "min_versions": {"api": "2.1.0"}},
            {"flag": "banner", "variation": 0},
        ]
    )
    releases.create_release(store, CREATOR, demo, data)
    api = deploy(store, "api", "2.1.0", features=["banner"], verified=False)
    missing = releases.get_release_readiness(store, demo, "new-checkout")["missing"]
    found = {"id": api["id"], "service": "api", "version": "2.1.0", "status": "succeeded",
             "verification": "none"}  # fmt: skip
    assert [(m["flag"], m["service"], m["found"]) for m in missing[:2]] == [
        ("checkout", "api", found),
        ("banner", None, found),
    ]


def test_pause_resume__wrong_state__message_names_the_whole_verb(store: Store, demo: str) -> None:
    view = started(store)
    with pytest.raises(InvalidStateError, match=r"^cannot resume release 'new-checkout' in state"):
        releases.resume_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    paused = releases.pause_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    with pytest.raises(InvalidStateError, match=r"^cannot pause release 'new-checkout' in state"):
        releases.pause_release(store, CREATOR, demo, "new-checkout", {}, paused["version"])


def test_create__flag_in_another_active_release__conflict_names_it(store: Store, demo: str) -> None:
    started(store)
    with pytest.raises(ConflictError) as error:
        releases.create_release(store, CREATOR, demo, release_data(key="other"))
    assert error.value.details["release"] == "new-checkout"


def test_schedule__two_drafts_share_a_flag__second_conflicts(store: Store, demo: str) -> None:
    first = releases.create_release(store, CREATOR, demo, release_data())
    second = releases.create_release(store, CREATOR, demo, release_data(key="again"))
    releases.schedule_release(store, CREATOR, demo, "new-checkout", {}, first["version"])
    with pytest.raises(ConflictError) as error:
        releases.schedule_release(store, CREATOR, demo, "again", {}, second["version"])
    assert error.value.details["release"] == "new-checkout"


@pytest.mark.parametrize(
    ("more", "expected"),
    [
        (
            {"plan": {"stages": [{"percent": 50}, {"percent": 5}]}},
            ("plan.stages[1].percent", "increasing"),
        ),
        (
            {"plan": {"stages": [{"percent": 5, "hold_seconds": -1}]}},
            ("plan.stages[0].hold_seconds", "duration"),
        ),
        (
            {"plan": {"stages": [{"percent": 5, "hold": "1 hour"}]}},
            ("plan.stages[0].hold", "duration"),
        ),
        ({"schedule": {"start_at": "2020-01-01T10:00:00+01:00"}}, ("schedule.start_at", "in_past")),
        ({"features": [{"flag": "nope", "variation": 0}]}, ("features[0].flag", "unknown_flag")),
        (
            {"features": [{"flag": "checkout", "variation": 5}]},
            ("features[0].variation", "index_range"),
        ),
        (
            {"plan": {"stages": [{"segment": "nobody"}]}},
            ("plan.stages[0].segment", "unknown_segment"),
        ),
        ({"schedule": {"timezone": "Mars/Olympus"}}, ("schedule.timezone", "timezone")),
    ],
)
def test_create__bad_input__validation_names_field_and_rule(
    store: Store, demo: str, more: dict[str, Any], expected: tuple[str, str]
) -> None:
    with pytest.raises(ValidationError) as error:
        releases.create_release(store, CREATOR, demo, release_data(**more))
    assert expected in violations(error)


def test_create__flag_of_another_project__unknown_flag(store: Store, demo: str) -> None:
    from premiere.services.flags.definitions import create_flag
    from premiere.services.projects import create_project

    create_project(store, CREATOR, {"key": "other"})
    create_flag(store, CREATOR, "other", {"key": "elsewhere"})
    data = release_data(features=[{"flag": "elsewhere", "variation": 0}])
    with pytest.raises(ValidationError) as error:
        releases.create_release(store, CREATOR, demo, data)
    assert violations(error) == {("features[0].flag", "unknown_flag")}


def test_rollback__human_edit_meanwhile__refused_then_free_again(store: Store, demo: str) -> None:
    view = started(store)
    current = get_flag_config(store, demo, "checkout", "production")
    mine = {
        "id": "vip",
        "clauses": [{"attribute": "plan", "op": "in", "values": ["vip"]}],
        "serve": {"variation": 0},
    }

    def add_mine() -> dict[str, Any]:
        current = get_flag_config(store, demo, "checkout", "production")
        data = {"rules": [*current["rules"], mine]}
        return update_flag_config(
            store, CREATOR, demo, "checkout", "production", data, current["version"], partial=True
        )

    with pytest.raises(FlagLockedError) as refused:
        add_mine()
    assert refused.value.details["release"] == "new-checkout"
    assert get_flag_config(store, demo, "checkout", "production") == current
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    add_mine()  # rolled back: the flag is free again
    assert rules_of(store) == ["vip"]


def test_schedule__start_at_reached__tick_starts_once(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    start = later(3600)
    view = releases.create_release(
        store, CREATOR, demo, release_data(schedule={"start_at": start.isoformat()})
    )
    releases.schedule_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    now = utc_now()
    assert releases.tick_releases(store, now) == [
        {"kind": "release", "project": "demo", "key": "new-checkout", "action": "ready"}
    ]
    assert releases.tick_releases(store, now) == []
    done = releases.tick_releases(store, start + timedelta(days=3))
    assert [item["action"] for item in done] == ["started"]
    assert releases.tick_releases(store, start + timedelta(days=3)) == []
