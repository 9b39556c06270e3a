"""The audit chain under concurrent writers: threads on SQLite, replicas on PostgreSQL."""

from __future__ import annotations

import threading

from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.audit_chain import verify_audit_chains
from premiere.services.projects import create_project
from premiere.store import Store

WRITERS = 6
EVENTS_EACH = 10


def test_record_audit_event__concurrent_writers_on_several_stores__one_unforked_chain(
    database_url: str, actor: Actor
) -> None:
    # Given three stores on one database (replicas), two writer threads on each
    stores = [Store.open(database_url) for _ in range(3)]
    try:
        create_project(stores[0], actor, {"key": "demo"})
        start = threading.Barrier(WRITERS)
        failures: list[BaseException] = []

        def write(store: Store, writer: int) -> None:
            try:
                start.wait(timeout=10)
                for n in range(EVENTS_EACH):
                    with store.write() as session:
                        for project in ("demo", None):  # two chains in one transaction
                            record_audit_event(
                                session, actor, "flag.updated", project=project,
                                resource_type="flag", resource_key=f"w{writer}-{n}",
                            )  # fmt: skip
            except BaseException as error:  # reported below
                failures.append(error)

        threads = [
            threading.Thread(target=write, args=(stores[i % len(stores)], i))
            for i in range(WRITERS)
        ]
        # When they all append at once
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        # Then every event is in its chain, each linked to the one before
        assert failures == []
        report = verify_audit_chains(stores[0])
        assert report["ok"] is True, report
        counts = {chain["project"]: chain["events"] for chain in report["chains"]}
        assert counts == {"demo": 1 + WRITERS * EVENTS_EACH, None: WRITERS * EVENTS_EACH}
    finally:
        for store in stores:
            store.close()
