"""Two writers racing on one version: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from premiere.errors import AlreadyExistsError, ValidationError, VersionConflictError
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.environments import create_environment
from premiere.services.flags.definitions import create_flag, get_flag_config, update_flag_config
from premiere.services.projects import create_project, get_project, update_project
from premiere.services.sdk.documents import document_version
from premiere.store import Store
from premiere.store.concurrency import update_versioned
from premiere.store.feed import changes_since
from premiere.store.models import Project

WRITERS = 2


def _race(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in parallel threads released together; results or exceptions."""
    barrier = threading.Barrier(WRITERS)
    outcomes: list[Any] = [None] * WRITERS

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = work(index)
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def flag(store: Store, actor: Actor) -> str:
    create_project(store, actor, {"key": "demo"})
    create_environment(store, actor, "demo", {"key": "production"})
    create_flag(store, actor, "demo", {"key": "f"})
    return "f"


@pytest.mark.parametrize("attempt", range(3))
def test_update_flag_config__two_writers_same_version__exactly_one_wins(
    store: Store, flag: str, attempt: int
) -> None:
    version_before = document_version(store, "demo", "production")

    outcomes = _race(
        lambda i: update_flag_config(
            store,
            Actor("user", f"u{i}", f"writer {i}"),
            "demo",
            flag,
            "production",
            {"on": True, "targets": [{"variation": 0, "values": [f"user-{i}"]}]},
            1,
            partial=True,
        )
    )

    wins = [o for o in outcomes if isinstance(o, dict)]
    conflicts = [o for o in outcomes if isinstance(o, VersionConflictError)]
    assert (len(wins), len(conflicts)) == (1, 1), outcomes
    assert conflicts[0].details["current_version"] == 2
    assert get_flag_config(store, "demo", flag, "production") == wins[0]
    events = list_audit_events(store, action="flag_config.updated")["items"]
    assert len(events) == 1
    assert events[0]["after"] == wins[0]
    assert document_version(store, "demo", "production") == version_before + 1


def test_update_project__two_writers_same_version__exactly_one_wins(
    store: Store, actor: Actor
) -> None:
    create_project(store, actor, {"key": "demo"})

    outcomes = _race(lambda i: update_project(store, actor, "demo", {"name": f"name {i}"}, 1))

    wins = [o for o in outcomes if isinstance(o, dict)]
    assert len(wins) == 1, outcomes
    assert sum(isinstance(o, VersionConflictError) for o in outcomes) == 1
    assert get_project(store, "demo")["name"] == wins[0]["name"]
    assert len(list_audit_events(store, action="project.updated")["items"]) == 1


def test_update_flag_config__many_writers_in_sequence__versions_never_lost(
    store: Store, flag: str
) -> None:
    """Each writer retries on conflict with the version it is told; none is lost."""
    values: list[str] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        version = 1
        while True:
            try:
                current = get_flag_config(store, "demo", flag, "production")
                version = current["version"]
                targets = current["targets"] or [{"variation": 0, "values": []}]
                update_flag_config(
                    store,
                    Actor("user", f"u{index}", "w"),
                    "demo",
                    flag,
                    "production",
                    {
                        "targets": [
                            {"variation": 0, "values": [*targets[0]["values"], f"user-{index}"]}
                        ]
                    },
                    version,
                    partial=True,
                )
                with lock:
                    values.append(f"user-{index}")
                return
            except VersionConflictError:
                continue

    _race(writer)

    final = get_flag_config(store, "demo", flag, "production")
    assert sorted(final["targets"][0]["values"]) == sorted(values)
    assert final["version"] == 1 + WRITERS


def test_update_flag_config__two_writers_closing_a_cycle__one_refused(
    store: Store, actor: Actor, flag: str
) -> None:
    create_flag(store, actor, "demo", {"key": "g"})
    edges = [("f", "g"), ("g", "f")]

    outcomes = _race(
        lambda i: update_flag_config(
            store,
            actor,
            "demo",
            edges[i][0],
            "production",
            {"prerequisites": [{"key": edges[i][1], "variation": 0}]},
            1,
            partial=True,
        )
    )

    assert sum(isinstance(o, dict) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert [(v.field, v.rule) for v in refused[0].violations] == [
        ("prerequisites", "prerequisite_cycle")
    ]


def test_create_project__two_writers_same_key__one_already_exists(
    store: Store, actor: Actor
) -> None:
    outcomes = _race(lambda i: create_project(store, actor, {"key": "demo", "name": f"n{i}"}))

    assert sum(isinstance(o, dict) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, AlreadyExistsError) for o in outcomes) == 1
    assert len(list_audit_events(store, action="project.created")["items"]) == 1


def test_update_versioned__stale_expected_version__conflict_names_current(
    store: Store, actor: Actor
) -> None:
    create_project(store, actor, {"key": "demo"})
    update_project(store, actor, "demo", {"name": "newer"}, 1)

    with pytest.raises(VersionConflictError) as caught, store.write() as session:
        row_id = session.scalar(select(Project.id))
        assert row_id is not None
        update_versioned(
            session, Project, row_id, 1, {"name": "stale"}, resource="project", key="demo"
        )

    assert caught.value.details["current_version"] == 2
    assert get_project(store, "demo")["name"] == "newer"


def test_update_flag_config__audit_write_fails__nothing_changes(
    store: Store, flag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    version_before = document_version(store, "demo", "production")

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("premiere.services.flags.configs.record_audit_event", fail)
    with pytest.raises(RuntimeError):
        update_flag_config(
            store,
            Actor("user", "u", "u"),
            "demo",
            flag,
            "production",
            {"on": True},
            1,
            partial=True,
        )

    config = get_flag_config(store, "demo", flag, "production")
    assert (config["on"], config["version"]) == (False, 1)
    assert document_version(store, "demo", "production") == version_before
    with store.read() as session:
        assert changes_since(session, "demo", "production", 0)[-1].document_version == (
            version_before
        )


def test_record_audit_event__very_long_actor__stored_truncated(store: Store) -> None:
    long = Actor("user", "i" * 500, "n" * 500)

    create_project(store, long, {"key": "demo"})

    event = list_audit_events(store)["items"][0]
    assert event["actor"] == {"kind": "user", "id": "i" * 200, "name": "n" * 200}
