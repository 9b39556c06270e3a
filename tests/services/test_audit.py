from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from premiere.errors import ValidationError
from premiere.services import Actor
from premiere.services.audit import list_audit_events, record_audit_event
from premiere.services.flags.definitions import create_flag, update_flag
from premiere.services.projects import create_project
from premiere.store import Store
from premiere.store.models import AuditEvent

BOT = Actor(kind="token", id="tok-1", name="ci")


@pytest.fixture
def history(store: Store, actor: Actor, project: str) -> None:
    """project.created and two environment.created by Ada; then by the ci token:
    flag.created x2, flag.updated."""
    create_flag(store, BOT, project, {"key": "a"})
    create_flag(store, BOT, project, {"key": "b"})
    update_flag(store, BOT, project, "a", {"name": "A"}, 1)
    create_project(store, actor, {"key": "other"})


def _actions(page: dict[str, object]) -> list[str]:
    return [item["action"] for item in page["items"]]  # type: ignore[attr-defined]


def test_list_audit_events__no_filter__newest_first(store: Store, history: None) -> None:
    assert _actions(list_audit_events(store)) == [
        "project.created",
        "flag.updated",
        "flag.created",
        "flag.created",
        "environment.created",
        "environment.created",
        "project.created",
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"project": "other"}, ["project.created"]),
        ({"resource_type": "flag"}, ["flag.updated", "flag.created", "flag.created"]),
        ({"resource_type": "flag", "resource_key": "a"}, ["flag.updated", "flag.created"]),
        ({"action": "flag.created"}, ["flag.created", "flag.created"]),
        ({"actor": "ci"}, ["flag.updated", "flag.created", "flag.created"]),
        ({"actor": "tok-1", "resource_key": "b"}, ["flag.created"]),
    ],
)
def test_list_audit_events__filters__only_matching(
    store: Store, history: None, filters: dict[str, str], expected: list[str]
) -> None:
    assert _actions(list_audit_events(store, **filters)) == expected  # type: ignore[arg-type]


def test_list_audit_events__since_until__half_open_window(store: Store) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with store.write() as session:
        for hour in range(1, 8):
            record_audit_event(
                session,
                BOT,
                f"test.{hour}",
                project=None,
                resource_type="test",
                resource_key="t",
                at=base + timedelta(hours=hour),
            )

    page = list_audit_events(store, since=base + timedelta(hours=2), until="2026-01-01T05:00:00Z")

    assert _actions(page) == ["test.4", "test.3", "test.2"]
    assert page["items"][0]["at"] == "2026-01-01T04:00:00.000000Z"


def test_audit_events__update_or_delete__refused_by_the_database(
    store: Store, history: None
) -> None:
    for statement in (update(AuditEvent).values(action="forged"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"), store.write() as session:
            session.execute(statement)

    assert len(list_audit_events(store, limit=500)["items"]) == 7


def test_list_audit_events__limit__pages_with_cursor(store: Store, history: None) -> None:
    first = list_audit_events(store, limit=3)
    second = list_audit_events(store, limit=3, cursor=first["next_cursor"])
    third = list_audit_events(store, limit=3, cursor=second["next_cursor"])

    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert ids == [7, 6, 5, 4, 3, 2, 1]
    assert third["next_cursor"] is None


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"limit": 0}, "limit", "range"),
        ({"limit": 501}, "limit", "range"),
        ({"cursor": "garbage!"}, "cursor", "invalid_cursor"),
        ({"since": "yesterday"}, "since", "datetime"),
    ],
)
def test_list_audit_events__bad_arguments__names_field_and_rule(
    store: Store, kwargs: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        list_audit_events(store, **kwargs)  # type: ignore[arg-type]

    assert [(v.field, v.rule) for v in caught.value.violations] == [(field, rule)]
