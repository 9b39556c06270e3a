"""Rolling back restores each flag's configuration as it was before the release,
keeping the targets and rules people added during the rollout."""

from __future__ import annotations

from typing import Any

from premiere.services.flags.definitions import get_flag_config, update_flag_config
from premiere.services.releases import records as releases
from premiere.store import Store

from .conftest import CREATOR, deploy, evaluate, release_data

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


def test_rollback__flag_off__targets_and_rules_added_meanwhile_kept(
    store: Store, demo: str
) -> None:
    edit(
        store,
        targets=[{"variation": 0, "values": ["qa-1", "qa-2"]}],
        rules=[beta_rule()],
        off_variation=1,
    )
    view = start_half(store)
    during = get_flag_config(store, demo, "checkout", "production")
    added_rule = beta_rule("vip", "vip")
    edit(
        store,
        rules=[*during["rules"], added_rule],
        targets=[{"variation": 1, "values": ["qa-2", "dev-1"]}],
    )
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    after = configuration(store)
    assert [rule["id"] for rule in after["rules"]] == ["beta", "vip"]
    assert after["targets"] == [
        {"variation": 0, "values": ["qa-1"]},
        {"variation": 1, "values": ["qa-2", "dev-1"]},
    ]
    assert (after["on"], after["off_variation"]) == (False, 1)
    # The flag is off again: everyone gets the off-variation
    assert evaluate(store, "checkout", {"key": "qa-1", "plan": "vip"}) is False


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


def test_advance__flag_on__rule_and_target_added_meanwhile_kept_through_rollback(
    store: Store, demo: str
) -> None:
    edit(store, on=True, fallthrough={"variation": 1}, rules=[beta_rule()])
    view = start_half(store)
    during = get_flag_config(store, demo, "checkout", "production")
    edit(
        store,
        rules=[*during["rules"], beta_rule("vip", "vip")],
        targets=[{"variation": 0, "values": ["qa-1"]}],
    )
    view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    staged = configuration(store)
    assert [rule["id"] for rule in staged["rules"]] == ["release-new-checkout", "beta", "vip"]
    assert staged["targets"] == [{"variation": 0, "values": ["qa-1"]}]
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    after = configuration(store)
    assert [rule["id"] for rule in after["rules"]] == ["beta", "vip"]
    assert after["targets"] == [{"variation": 0, "values": ["qa-1"]}]


def test_advance__flag_off__edits_meanwhile_kept_hidden_ones_stay_out(
    store: Store, demo: str
) -> None:
    edit(store, targets=[{"variation": 0, "values": ["qa-1"]}], rules=[beta_rule()])
    view = start_half(store)
    during = get_flag_config(store, demo, "checkout", "production")
    edit(
        store,
        rules=[*during["rules"], beta_rule("vip", "vip")],
        targets=[{"variation": 1, "values": ["dev-1"]}],
    )
    view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    staged = configuration(store)
    assert [rule["id"] for rule in staged["rules"]] == ["release-new-checkout", "vip"]
    assert staged["targets"] == [{"variation": 1, "values": ["dev-1"]}]
    releases.rollback_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    after = configuration(store)
    assert [rule["id"] for rule in after["rules"]] == ["beta", "vip"]
    assert after["targets"] == [
        {"variation": 0, "values": ["qa-1"]},
        {"variation": 1, "values": ["dev-1"]},
    ]
