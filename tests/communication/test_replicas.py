"""Two workers over one database (each with its own connections, as two replicas
have) deliver every outbox row exactly once: on PostgreSQL the claim skips rows
another worker holds (``FOR UPDATE SKIP LOCKED``), on SQLite writers queue."""

from __future__ import annotations

import threading
from collections import Counter

from premiere.services import Actor
from premiere.services.communication.delivery import Deliverer
from premiere.services.communication.outbox import list_deliveries
from premiere.store import Store

from .conftest import Clock, Receiver, deploy, subscribe

EVENTS = 30


def test_two_workers__same_outbox__each_row_delivered_once(
    store: Store, database_url: str, actor: Actor, shop: str, receiver: Receiver, clock: Clock
) -> None:
    hook = subscribe(store, actor, shop, receiver.url)
    for n in range(EVENTS):
        deploy(store, actor, shop, f"1.0.{n}")
    replicas = [Store.open(database_url) for _ in range(2)]
    workers = [Deliverer(replica, clock=clock, batch=4) for replica in replicas]
    start = threading.Barrier(2)
    attempted: list[int] = [0, 0]

    def work(index: int) -> None:
        start.wait()
        while (sent := workers[index].deliver_due()) > 0:
            attempted[index] += sent

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for replica in replicas:
        replica.close()

    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == EVENTS
    assert set(ids.values()) == {1}
    assert sum(attempted) == EVENTS
    page = list_deliveries(store, shop, hook["id"], limit=EVENTS)
    assert {d["status"] for d in page["items"]} == {"delivered"}
