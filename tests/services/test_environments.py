from __future__ import annotations

import pytest

from premiere.errors import AlreadyExistsError, NotFoundError
from premiere.services import Actor
from premiere.services.environments import (
    create_environment,
    get_environment,
    list_environments,
    update_environment,
)
from premiere.services.projects import create_project
from premiere.store import Store


@pytest.fixture
def project(store: Store, actor: Actor) -> str:
    create_project(store, actor, {"key": "demo"})
    for key in ("development", "staging", "production"):
        create_environment(store, actor, "demo", {"key": key})
    return "demo"


def _order(store: Store, project: str) -> list[tuple[str, int]]:
    return [(e["key"], e["position"]) for e in list_environments(store, project)]


def test_create_environment__several__appended_in_order(store: Store, project: str) -> None:
    assert _order(store, project) == [("development", 0), ("staging", 1), ("production", 2)]


def test_create_environment__duplicate__already_exists(
    store: Store, actor: Actor, project: str
) -> None:
    with pytest.raises(AlreadyExistsError):
        create_environment(store, actor, project, {"key": "staging"})


def test_create_environment__unknown_project__not_found(store: Store, actor: Actor) -> None:
    with pytest.raises(NotFoundError) as caught:
        create_environment(store, actor, "nope", {"key": "dev"})

    assert caught.value.details["resource"] == "project"


def test_update_environment__position__reorders_others(
    store: Store, actor: Actor, project: str
) -> None:
    view = update_environment(store, actor, project, "production", {"position": 0}, 1)

    assert (view["position"], view["version"]) == (0, 2)
    assert _order(store, project) == [("production", 0), ("development", 1), ("staging", 2)]
    # The shifted environments' views changed, so their versions did too.
    assert get_environment(store, project, "development")["version"] == 2


def test_update_environment__position_past_end__clamped_to_last(
    store: Store, actor: Actor, project: str
) -> None:
    update_environment(store, actor, project, "development", {"position": 99}, 1)

    assert _order(store, project) == [("staging", 0), ("production", 1), ("development", 2)]


def test_update_environment__production_flag__stored(
    store: Store, actor: Actor, project: str
) -> None:
    view = update_environment(store, actor, project, "production", {"production": True}, 1)

    assert view["production"] is True
    assert get_environment(store, project, "production")["production"] is True
