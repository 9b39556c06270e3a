"""A page of the flag list: search, filters, states per environment, paging."""

from __future__ import annotations

import pytest

from premiere.errors import NotFoundError, ValidationError
from premiere.services import Actor
from premiere.services.flags.definitions import archive_flag, create_flag, update_flag_config
from premiere.services.flags.summaries import list_flag_page
from premiere.store import Store

ROLLOUT = {"rollout": {"bucket_by": "key", "variations": [
    {"variation": 0, "weight": 50_000}, {"variation": 1, "weight": 50_000}]}}  # fmt: skip


@pytest.fixture
def flags(store: Store, actor: Actor, project: str) -> str:
    create_flag(store, actor, project, {"key": "alpha", "name": "Alpha", "tags": ["web"]})
    create_flag(store, actor, project, {"key": "beta", "name": "Second", "tags": ["api"]})
    create_flag(
        store, actor, project,
        {"key": "gamma", "kind": "string", "variations": [{"value": "a"}, {"value": "b"}]},
    )  # fmt: skip
    old = create_flag(store, actor, project, {"key": "old"})
    archive_flag(store, actor, project, "old", old["version"])
    update_flag_config(store, actor, project, "alpha", "production", {"on": True}, 1, partial=True)
    data = {"on": True, "fallthrough": ROLLOUT}
    update_flag_config(store, actor, project, "beta", "production", data, 1, partial=True)
    return project


def _keys(store: Store, project: str, **given: object) -> list[str]:
    return [flag["key"] for flag in list_flag_page(store, project, **given)["items"]]  # type: ignore[arg-type]


def test_list_flag_page__no_filters__live_flags_by_key(store: Store, flags: str) -> None:
    found = list_flag_page(store, flags)
    assert [f["key"] for f in found["items"]] == ["alpha", "beta", "gamma"]
    assert found["total"] == found["matching"] == 3
    assert found["states"]["beta"] == {"staging": ["off"], "production": ["on", "rolling_out"]}


def test_list_flag_page__query__matches_key_name_or_tag(store: Store, flags: str) -> None:
    assert _keys(store, flags, query="API") == ["beta"]
    assert _keys(store, flags, query="second") == ["beta"]
    assert _keys(store, flags, query="gam") == ["gamma"]


def test_list_flag_page__kind_and_state__in_one_environment_or_any(
    store: Store, flags: str
) -> None:
    assert _keys(store, flags, kind="string") == ["gamma"]
    assert _keys(store, flags, state="on", environment="production") == ["alpha", "beta"]
    assert _keys(store, flags, state="on", environment="staging") == []
    assert _keys(store, flags, state="rolling_out") == ["beta"]
    assert _keys(store, flags, state="off", environment="production") == ["gamma"]


def test_list_flag_page__offset_and_limit__one_page_of_the_matching(
    store: Store, flags: str
) -> None:
    found = list_flag_page(store, flags, offset=1, limit=1)
    assert [f["key"] for f in found["items"]] == ["beta"]
    assert found["matching"] == 3


def test_list_flag_page__bad_filters__named_errors(store: Store, flags: str) -> None:
    with pytest.raises(ValidationError) as error:
        list_flag_page(store, flags, state="sideways")
    assert error.value.violations[0].field == "state"
    with pytest.raises(ValidationError):
        list_flag_page(store, flags, kind="colour")
    with pytest.raises(ValidationError):
        list_flag_page(store, flags, limit=0)
    with pytest.raises(NotFoundError):
        list_flag_page(store, flags, environment="mars")


@pytest.mark.parametrize("listed", [500, 1], ids=["ids-listed", "environments-read"])
def test_list_flag_page__state_filter__agrees_with_each_flags_states(
    store: Store, actor: Actor, project: str, monkeypatch: pytest.MonkeyPatch, listed: int
) -> None:
    monkeypatch.setattr("premiere.services.flags.summaries.MAX_IDS_LISTED", listed)
    rule = {"id": "r1", "clauses": [{"attribute": "plan", "op": "in", "values": ["pro"]}]}
    configs = {
        "fall": {"on": True, "fallthrough": ROLLOUT},
        "ruled": {"on": True, "rules": [{**rule, "serve": ROLLOUT}]},
        "named": {"on": True, "targets": [{"variation": 0, "values": ['"rollout"', "rollout"]}]},
        "ruled-off": {"on": False, "rules": [{**rule, "serve": ROLLOUT}]},
        "fixed": {"on": True, "rules": [{**rule, "serve": {"variation": 1}}]},
        "plain": {},
    }
    for key, config in configs.items():
        create_flag(store, actor, project, {"key": key})
        update_flag_config(store, actor, project, key, "production", config, 1, partial=True)
    states = list_flag_page(store, project)["states"]
    assert states["ruled"]["production"] == ["on", "rolling_out"]
    assert states["named"]["production"] == ["on"]
    for state in ("on", "off", "rolling_out"):
        expected = sorted(k for k, by_env in states.items() if state in by_env["production"])
        assert _keys(store, project, state=state, environment="production") == expected
    assert _keys(store, project, state="rolling_out") == ["fall", "ruled"]
    assert _keys(store, project, state="off", environment="production") == ["plain", "ruled-off"]
