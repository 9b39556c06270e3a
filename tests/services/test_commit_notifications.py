"""Commit notifications belong to the store the commit went through."""

from __future__ import annotations

from pathlib import Path

from premiere.services import Actor
from premiere.services.environments import create_environment
from premiere.services.flags.definitions import create_flag
from premiere.services.projects import create_project
from premiere.store import Store
from premiere.store.notifications import ChangedEnvironments, on_changes_committed


def _demo(store: Store, actor: Actor) -> None:
    create_project(store, actor, {"key": "demo"})
    create_environment(store, actor, "demo", {"key": "production"})


def test_commit_notifications__two_stores__each_hears_only_its_own(
    tmp_path: Path, actor: Actor
) -> None:
    with (
        Store.open(f"sqlite:///{tmp_path / 'one.db'}") as one,
        Store.open(f"sqlite:///{tmp_path / 'two.db'}") as two,
    ):
        _demo(one, actor)
        _demo(two, actor)
        heard_one: list[ChangedEnvironments] = []
        heard_two: list[ChangedEnvironments] = []
        on_changes_committed(one, heard_one.append)
        on_changes_committed(two, heard_two.append)

        create_flag(one, actor, "demo", {"key": "new-checkout"})

        assert heard_one == [frozenset({("demo", "production")})]
        assert heard_two == []


def test_commit_notifications__unregistered__not_called_again(store: Store, actor: Actor) -> None:
    _demo(store, actor)
    heard: list[ChangedEnvironments] = []
    unregister = on_changes_committed(store, heard.append)
    create_flag(store, actor, "demo", {"key": "a"})
    unregister()

    create_flag(store, actor, "demo", {"key": "b"})

    assert len(heard) == 1
