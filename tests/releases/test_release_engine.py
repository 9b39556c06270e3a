"""What each stage serves, checked with the engine on the environment's document."""

from __future__ import annotations

import itertools
from typing import Any

from premiere import engine
from premiere.services.releases import records as releases
from premiere.services.sdk.documents import build_flag_document
from premiere.store import Store

from .conftest import CREATOR, deploy, evaluate, release_data

USERS = [f"user-{i}" for i in range(2000)]


def exposed(store: Store, **context: Any) -> set[str]:
    compiled = engine.compile_document(build_flag_document(store, "demo", "production"))
    return {
        user
        for user in USERS
        if engine.evaluate(compiled, "checkout", {"key": user, **context}, None).value
    }


def test_stages__percentages_rise__earlier_users_stay_in(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    plan = {"stages": [{"percent": 1}, {"percent": 5}, {"percent": 25}, {"percent": 100}]}
    view = releases.create_release(store, CREATOR, demo, release_data(plan=plan))
    view = releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    seen: list[set[str]] = [exposed(store)]
    for _ in range(3):
        view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
        seen.append(exposed(store))
    sizes = [len(users) for users in seen]
    assert 5 <= sizes[0] <= 40 and 60 <= sizes[1] <= 140 and 400 <= sizes[2] <= 600
    assert sizes[3] == len(USERS)
    for earlier, later in itertools.pairwise(seen):
        assert earlier <= later


def test_stages__segment_stage_then_percent__segment_stays_in(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data())
    view = releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert exposed(store, email="x@example.com") == set(USERS)
    assert exposed(store, email="x@elsewhere.org") == set()
    releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert exposed(store, email="x@example.com") == set(USERS)
    assert 40 <= len(exposed(store, email="x@elsewhere.org")) <= 160


def test_min_versions__older_instances__keep_previous_variation(store: Store, demo: str) -> None:
    deploy(store, "api", "2.4.0")
    feature = {"flag": "checkout", "variation": 0, "min_versions": {"api": "2.4.0"}}
    plan = {"stages": [{"percent": 100}]}
    view = releases.create_release(
        store, CREATOR, demo, release_data(features=[feature], plan=plan)
    )
    releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    old = {"key": "u1", "premiere.service": "api", "premiere.service_version": "2.3.9"}
    new = {**old, "premiere.service_version": "2.4.0"}
    other = {"key": "u1", "premiere.service": "web", "premiere.service_version": "1.0.0"}
    assert evaluate(store, "checkout", old) is False
    assert evaluate(store, "checkout", new) is True
    assert evaluate(store, "checkout", other) is True


def test_audience_segment__released__only_the_segment_gets_it(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    data = release_data(audience={"segment": "staff"}, plan={"stages": [{"percent": 100}]})
    view = releases.create_release(store, CREATOR, demo, data)
    view = releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    view = releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert view["state"] == "released"
    assert evaluate(store, "checkout", {"key": "u", "email": "a@example.com"}) is True
    assert evaluate(store, "checkout", {"key": "u", "email": "a@elsewhere.org"}) is False
