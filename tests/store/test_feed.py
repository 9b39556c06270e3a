from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import text

from premiere.services import Actor
from premiere.services.flags.definitions import create_flag, update_flag, update_flag_config
from premiere.services.flags.segments import create_segment
from premiere.services.sdk.documents import document_version
from premiere.store import Store
from premiere.store.feed import CHANGES_CHANNEL, changes_since
from premiere.store.models import Project
from premiere.store.types import utc_now


def test_changes_since__document_writes__one_row_per_environment(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "f"})
    update_flag_config(store, actor, project, "f", "production", {"on": True}, 1, partial=True)
    create_segment(store, actor, project, {"key": "staff"})
    update_flag(store, actor, project, "f", {"client_visible": True}, 1)

    with store.read() as session:
        staging = [
            (c.kind, c.key, c.document_version)
            for c in changes_since(session, project, "staging", 0)
        ]
        production = changes_since(session, project, "production", 0)

    assert staging == [("flag", "f", 2), ("segment", "staff", 3), ("flag", "f", 4)]
    assert [(c.kind, c.document_version) for c in production] == [
        ("flag", 2),
        ("flag", 3),
        ("segment", 4),
        ("flag", 5),
    ]
    assert production[-1].document_version == document_version(store, project, "production")
    with store.read() as session:
        later = changes_since(session, project, "production", production[1].seq)
    assert [c.seq for c in later] == [c.seq for c in production[2:]]


def test_utc_datetime__round_trip__aware_utc(store: Store, actor: Actor, project: str) -> None:
    with store.read() as session:
        row = session.query(Project).one()
        stored = session.execute(text("SELECT created_at FROM projects")).scalar_one()
    assert row.created_at.tzinfo is UTC
    assert abs((utc_now() - row.created_at).total_seconds()) < 60
    if store.dialect == "sqlite":
        assert isinstance(stored, str) and "+" not in stored


def test_utc_datetime__naive__refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive"), store.write() as session:
        session.add(Project(key="x", name="x", created_at=datetime(2026, 1, 1)))
        session.flush()


@pytest.mark.postgres
def test_record_document_change__postgresql__notifies_at_commit(
    store: Store, actor: Actor, project: str
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANGES_CHANNEL}")

        create_flag(store, actor, project, {"key": "f"})

        received = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=2)]
    assert received == [
        {"project": "demo", "environment": "staging", "version": 2},
        {"project": "demo", "environment": "production", "version": 2},
    ]


def test_utc_datetime__other_offset__read_back_as_same_instant_in_utc(store: Store) -> None:
    berlin = datetime(2026, 6, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.write() as session:
        session.add(Project(key="x", name="x", created_at=berlin, updated_at=berlin))

    with store.read() as session:
        stored = session.query(Project).one().created_at

    assert stored == berlin
    assert (stored.tzinfo, stored.hour) == (UTC, 12)
