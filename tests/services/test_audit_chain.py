"""The audit hash chain: every change to the stored log is found by verification."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from premiere.errors import ValidationError
from premiere.services import Actor
from premiere.services.audit import list_audit_events, record_audit_event
from premiere.services.audit_chain import list_audit_chain_heads, verify_audit_chains
from premiere.services.flags.definitions import create_flag, update_flag
from premiere.services.projects import create_project
from premiere.store import Store
from premiere.store.audit_hash import GENESIS, audit_record_hash

BOT = Actor(kind="token", id="tok-1", name="ci")


@pytest.fixture
def history(store: Store, actor: Actor, project: str) -> None:
    """demo: project.created, environment.created x2, flag.created a, b, flag.updated a;
    other: project.created; no project: a system event."""
    create_flag(store, BOT, project, {"key": "a"})
    create_flag(store, BOT, project, {"key": "b"})
    update_flag(store, BOT, project, "a", {"name": "A"}, 1)
    create_project(store, actor, {"key": "other"})
    with store.write() as session:
        record_audit_event(
            session, BOT, "token.created", project=None, resource_type="token", resource_key="t"
        )


@contextmanager
def tampering(store: Store) -> Iterator[Session]:
    """A transaction with the append-only triggers lifted, as a database owner can."""
    with store.write() as session:
        if store.dialect == "postgresql":
            session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER audit_events_no_update"))
            session.execute(text("DROP TRIGGER audit_events_no_delete"))
        yield session


def _ids(store: Store, project: str) -> list[int]:
    items = list_audit_events(store, project=project)["items"]
    return sorted(item["id"] for item in items)


def _broken(report: dict[str, Any], project: str | None = "demo") -> dict[str, Any]:
    assert report["ok"] is False
    (chain,) = [c for c in report["chains"] if c["project"] == project]
    assert chain["ok"] is False
    return chain["broken"]  # type: ignore[no-any-return]


def test_verify_audit_chains__untouched__ok_with_counts_and_heads(
    store: Store, history: None
) -> None:
    report = verify_audit_chains(store)

    assert report["ok"] is True
    counts = {chain["project"]: chain["events"] for chain in report["chains"]}
    assert counts == {None: 1, "demo": 6, "other": 1}
    newest = list_audit_events(store, project="demo")["items"][0]
    demo = next(chain for chain in report["chains"] if chain["project"] == "demo")
    assert demo["head"]["event_id"] == newest["id"]
    assert demo["head"]["hash"] == newest["hash"]
    assert demo["broken"] is None


def test_record_audit_event__chain__links_each_event_to_the_previous(
    store: Store, history: None
) -> None:
    items = list(reversed(list_audit_events(store, project="demo")["items"]))

    assert items[0]["prev_hash"] == GENESIS
    for earlier, later in itertools.pairwise(items):
        assert later["prev_hash"] == earlier["hash"]
    assert len({item["hash"] for item in items}) == len(items)


def test_verify_audit_chains__event_changed__names_it(store: Store, history: None) -> None:
    target = _ids(store, "demo")[3]
    with tampering(store) as session:
        session.execute(
            text("UPDATE audit_events SET actor_name = 'Eve' WHERE id = :id"), {"id": target}
        )

    broken = _broken(verify_audit_chains(store))

    assert broken["event_id"] == target
    assert "changed" in broken["problem"]


def test_verify_audit_chains__json_value_changed__names_it(store: Store, history: None) -> None:
    target = _ids(store, "demo")[-1]
    with tampering(store) as session:
        session.execute(
            text("UPDATE audit_events SET after = before WHERE id = :id"), {"id": target}
        )

    assert _broken(verify_audit_chains(store))["event_id"] == target


def test_verify_audit_chains__event_deleted__names_the_next(store: Store, history: None) -> None:
    ids = _ids(store, "demo")
    with tampering(store) as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[2]})

    broken = _broken(verify_audit_chains(store))

    assert broken["event_id"] == ids[3]
    assert "removed, inserted or reordered" in broken["problem"]


def test_verify_audit_chains__last_event_deleted__head_mismatch(
    store: Store, history: None
) -> None:
    ids = _ids(store, "demo")
    with tampering(store) as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-1]})

    broken = _broken(verify_audit_chains(store))

    assert broken["event_id"] == ids[-1]
    assert "chain head" in broken["problem"]


def test_verify_audit_chains__events_swapped__link_broken(store: Store, history: None) -> None:
    ids = _ids(store, "demo")
    first, second = ids[3], ids[4]
    with tampering(store) as session:
        for old, new in ((first, -1), (second, first), (-1, second)):
            session.execute(
                text("UPDATE audit_events SET id = :new WHERE id = :old"), {"old": old, "new": new}
            )

    assert _broken(verify_audit_chains(store))["event_id"] == first


def test_verify_audit_chains__event_inserted_at_the_end__head_mismatch(
    store: Store, history: None
) -> None:
    head = list_audit_chain_heads(store, project="demo")["items"][0]
    forged = _forged_event(head["event_id"] + 1000, head["hash"])
    with store.write() as session:  # inserting needs no trigger lifted
        _insert(session, forged)

    assert "chain head" in _broken(verify_audit_chains(store))["problem"]


def test_verify_audit_chains__event_without_hash__not_chained(store: Store, history: None) -> None:
    forged = _forged_event(_ids(store, "demo")[-1] + 1000, None)
    forged["hash"] = None
    with store.write() as session:
        _insert(session, forged)

    broken = _broken(verify_audit_chains(store))

    assert broken["event_id"] == forged["id"]
    assert "no hash" in broken["problem"]


def test_verify_audit_chains__insert_or_replace_on_sqlite__detected(
    store: Store, history: None
) -> None:
    if store.dialect != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")
    target = _ids(store, "demo")[1]
    with store.write() as session:  # REPLACE deletes without firing the delete trigger
        session.execute(
            text(
                "INSERT OR REPLACE INTO audit_events (id, at, actor_kind, actor_id, actor_name,"
                " action, project, resource_type, resource_key, prev_hash, hash)"
                " SELECT id, at, actor_kind, actor_id, 'Eve', action, project, resource_type,"
                " resource_key, prev_hash, hash FROM audit_events WHERE id = :id"
            ),
            {"id": target},
        )

    assert _broken(verify_audit_chains(store))["event_id"] == target


def test_verify_audit_chains__chain_rewritten__caught_by_exported_head(
    store: Store, history: None
) -> None:
    exported = list_audit_chain_heads(store, project="demo")["items"][0]
    ids = _ids(store, "demo")
    with tampering(store) as session:  # change an event and re-hash the rest, head included
        session.execute(
            text("UPDATE audit_events SET actor_name = 'Eve' WHERE id = :id"), {"id": ids[1]}
        )
        _rehash(session, ids)

    assert verify_audit_chains(store)["ok"] is True  # self-consistent again
    report = verify_audit_chains(store, expect=[f"{exported['event_id']}:{exported['hash']}"])

    assert report["ok"] is False
    (anchor,) = report["expected"]
    assert anchor["event_id"] == exported["event_id"]
    assert "rewritten" in anchor["problem"]


def test_verify_audit_chains__exported_head_intact__ok(store: Store, history: None) -> None:
    heads = list_audit_chain_heads(store)["items"]
    expect = [f"{head['event_id']}:{head['hash']}" for head in heads]

    report = verify_audit_chains(store, expect=expect)

    assert report["ok"] is True
    assert [anchor["ok"] for anchor in report["expected"]] == [True, True, True]


def test_verify_audit_chains__project_filter__only_that_chain(store: Store, history: None) -> None:
    report = verify_audit_chains(store, project="other")

    assert [(c["project"], c["events"]) for c in report["chains"]] == [("other", 1)]


@pytest.mark.parametrize("expect", ["12", "x:" + "0" * 64, "1:" + "G" * 64, "1:abc"])
def test_verify_audit_chains__bad_expected_head__names_field(store: Store, expect: str) -> None:
    with pytest.raises(ValidationError) as caught:
        verify_audit_chains(store, expect=[expect])

    assert caught.value.violations[0].field == "expect"


def test_record_audit_event__numbers_json_columns_rewrite__still_verify(
    store: Store, project: str
) -> None:
    values = {"one": 1.0, "big": 1e16, "huge": 1e300, "zero": -0.0, "wide": 2**64, "x": 0.1}
    with store.write() as session:
        record_audit_event(
            session, BOT, "flag.updated", project=project, resource_type="flag",
            resource_key="n", before=[values], after={"nested": values, "flag": True},
        )  # fmt: skip

    assert verify_audit_chains(store)["ok"] is True


def _forged_event(event_id: int, prev_hash: str | None) -> dict[str, Any]:
    from datetime import UTC, datetime

    event: dict[str, Any] = {
        "id": event_id, "at": datetime(2026, 1, 1, tzinfo=UTC), "actor_kind": "user",
        "actor_id": "eve", "actor_name": "Eve", "action": "flag.updated", "project": "demo",
        "resource_type": "flag", "resource_key": "a", "environment": None, "before": None,
        "after": None, "prev_hash": prev_hash,
    }  # fmt: skip
    event["hash"] = audit_record_hash(event) if prev_hash is not None else None
    return event


def _insert(session: Session, event: dict[str, Any]) -> None:
    from premiere.store.models import AuditEvent

    session.add(AuditEvent(**event))


def _rehash(session: Session, ids: list[int]) -> None:
    from sqlalchemy import select

    from premiere.store.models import AuditChainHead, AuditEvent

    previous = GENESIS
    session.expire_all()
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.id.in_(ids)).order_by(AuditEvent.id)
    ):
        event.prev_hash = previous
        event.hash = previous = audit_record_hash(
            {
                c: getattr(event, c)
                for c in (
                    "id",
                    "at",
                    "actor_kind",
                    "actor_id",
                    "actor_name",
                    "action",
                    "project",
                    "resource_type",
                    "resource_key",
                    "environment",
                    "before",
                    "after",
                    "prev_hash",
                )
            }
        )
    head = session.get(AuditChainHead, "demo")
    assert head is not None
    head.hash = previous


def test_record_audit_event__several_in_one_transaction__linked_in_order(
    store: Store, project: str
) -> None:
    with store.write() as session:
        for key in ("x", "y", "z"):
            record_audit_event(
                session, BOT, "flag.created", project=project, resource_type="flag",
                resource_key=key,
            )  # fmt: skip

    items = list_audit_events(store, project=project, limit=3)["items"]
    assert [item["resource_key"] for item in items] == ["z", "y", "x"]
    assert items[0]["prev_hash"] == items[1]["hash"]
    assert items[1]["prev_hash"] == items[2]["hash"]
    assert verify_audit_chains(store, project=project)["chains"][0]["events"] == 6
