"""Rolling back restores each flag's configuration as it was before the release; while
the release rolls out (or is paused), nobody else may change its flags."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.errors import FlagLockedError
from premiere.services.flags.definitions import get_flag_config, update_flag_config
from premiere.services.releases import records as releases
from premiere.store import Store

from .conftest import CREATOR, deploy, release_data

FIELDS = ("on", "off_variation", "prerequisites", "targets", "rules", "fallthrough")


def beta_rule(rule_id: str = "beta", plan: str = "beta") -> dict[str, Any]:
    return {
        "id": rule_id,
        "clauses": [{"attribute": "plan", "op": "in", "values": [plan]}],
        "serve": {"variation": 0},
    }


def edit(store: Store, **fields: Any) -> dict[str, Any]:
    current = get_flag_config(store, "demo", "checkout", "production")
    return update_flag_config(
        store, CREATOR, "demo", "checkout", "production", fields, current["version"], partial=True
    )


def start_half(store: Store) -> dict[str, Any]:
    deploy(store, features=["checkout"])
    stages = [{"percent": 50, "hold": "PT1H"}, {"percent": 80, "hold": "PT1H"}]
    data = release_data(plan={"stages": stages})
    view = releases.create_release(store, CREATOR, "demo", data)
    return releases.start_release(store, CREATOR, "demo", view["key"], {}, view["version"])


def configuration(store: Store) -> dict[str, Any]:
    config = get_flag_config(store, "demo", "checkout", "production")
    return {field: config[field] for field in FIELDS}


def test_rollback__flag_off_with_targets_and_rules__restored_exactly(
    store: Store, demo: str
) -> None:
    # Given a flag that is off, with a target and a rule waiting for it to be switched on
    edit(store, targets=[{"variation": 0, "values": ["qa-1"]}], rules=[beta_rule()])
    before = configuration(store)
    # When a release starts (the targets and rules are left out while it runs) ...
    view = start_half(store)
    during = configuration(store)
    assert during["targets"] == []
    assert [rule["id"] for rule in during["rules"]] == ["release-new-checkout"]
    # ... and is rolled back
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    # Then the configuration is the one before the release, field for field
    assert configuration(store) == before


def test_rollback__flag_on__own_rules_as_they_are_now(store: Store, demo: str) -> None:
    edit(
        store,
        on=True,
        fallthrough={"variation": 1},
        targets=[{"variation": 0, "values": ["qa-1"]}],
        rules=[beta_rule()],
    )
    before = configuration(store)
    view = start_half(store)
    assert configuration(store)["targets"] == before["targets"]
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert configuration(store) == before


@pytest.mark.parametrize("paused", [False, True])
def test_edit_meanwhile__refused_nothing_changed_rollback_restores(
    store: Store, demo: str, paused: bool
) -> None:
    edit(store, targets=[{"variation": 0, "values": ["qa-1"]}], rules=[beta_rule()])
    before = configuration(store)
    view = start_half(store)
    if paused:
        view = releases.pause_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    during = configuration(store)
    attempts: list[dict[str, Any]] = [
        {"rules": [*during["rules"], beta_rule("vip", "vip")]},
        {"targets": [{"variation": 1, "values": ["dev-1"]}]},
        {"on": False},  # not even off: the kill switch is the release's roll back
        {"fallthrough": {"variation": 0}},
    ]
    for fields in attempts:
        with pytest.raises(FlagLockedError) as refused:
            edit(store, **fields)
        assert refused.value.code == "flag_locked_by_release"
        assert refused.value.details["release"] == "new-checkout"
        assert "roll the release back" in refused.value.message
    assert configuration(store) == during
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert configuration(store) == before


def test_edit_other_environment_or_after_release__allowed(store: Store, demo: str) -> None:
    view = start_half(store)
    current = get_flag_config(store, demo, "checkout", "staging")
    update_flag_config(
        store, CREATOR, demo, "checkout", "staging", {"on": True}, current["version"], partial=True
    )
    assert get_flag_config(store, demo, "checkout", "staging")["on"] is True
    for _ in range(2):  # the second stage, then the release is complete
        view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert view["state"] == "released"
    edit(store, off_variation=0)
    assert configuration(store)["off_variation"] == 0
