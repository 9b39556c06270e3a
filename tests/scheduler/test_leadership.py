"""One scheduler ticks at a time; a dead leader is replaced; a stopped loop lets go."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from premiere.scheduler import Scheduler
from premiere.scheduler.leadership import AlwaysLeader, FileLeadership, PostgresLeadership
from premiere.store import Store

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class CountingTick:
    def __init__(self) -> None:
        self.calls: list[datetime] = []

    def __call__(self, store: Store, now: datetime, *, guard_watch: Any = None) -> list[Any]:
        self.calls.append(now)
        return []


def _scheduler(store: Store, tick: CountingTick) -> Scheduler:
    return Scheduler(store, tick=tick, record=lambda *a: None, clock=lambda: NOW)


def _eventually(attempt: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if attempt():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def two_stores(database_url: str) -> Iterator[tuple[Store, Store]]:
    first, second = Store.open(database_url), Store.open(database_url, migrate=False)
    yield first, second
    first.close()
    second.close()


def test_schedulers__two_on_one_database__only_one_ticks(two_stores: tuple[Store, Store]) -> None:
    ticks = CountingTick(), CountingTick()
    schedulers = [_scheduler(s, t) for s, t in zip(two_stores, ticks, strict=True)]
    for _ in range(5):
        for scheduler in schedulers:
            scheduler.run_once()
    assert sorted([len(ticks[0].calls), len(ticks[1].calls)]) == [0, 5]
    for scheduler in schedulers:
        scheduler.leadership.release()


def test_schedulers__leader_releases__other_takes_over(two_stores: tuple[Store, Store]) -> None:
    ticks = CountingTick(), CountingTick()
    leader, follower = (_scheduler(s, t) for s, t in zip(two_stores, ticks, strict=True))
    assert leader.run_once() is not None
    assert follower.run_once() is None
    leader.leadership.release()
    assert follower.run_once() is not None
    assert leader.run_once() is None
    assert (len(ticks[0].calls), len(ticks[1].calls)) == (1, 1)
    follower.leadership.release()


@pytest.mark.postgres
def test_schedulers__leader_connection_killed__other_takes_over(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    if first.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    ticks = CountingTick(), CountingTick()
    leader, follower = _scheduler(first, ticks[0]), _scheduler(second, ticks[1])
    assert leader.run_once() is not None
    assert isinstance(leader.leadership, PostgresLeadership)
    pid = leader.leadership.backend_pid
    assert follower.run_once() is None
    # The leader's server process dies (as when its host or process goes away).
    with second.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    # The server ends that process asynchronously: the follower takes over on one of
    # its next attempts.
    assert _eventually(lambda: follower.run_once() is not None)
    assert leader.run_once() is None  # notices the lost connection, cannot lead again
    assert (len(ticks[0].calls), len(ticks[1].calls)) == (1, 1)
    follower.leadership.release()


@pytest.mark.postgres
def test_postgres_leadership__lock_visible_in_pg_locks__held_only_while_leading(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    if first.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    leadership = PostgresLeadership(first)

    def advisory_locks() -> int:
        with second.engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        " WHERE l.locktype = 'advisory' AND l.granted"
                        " AND d.datname = current_database()"
                    )
                ).scalar_one()
            )

    try:
        assert leadership.acquire()
        assert advisory_locks() == 1
    finally:
        leadership.release()
    assert advisory_locks() == 0


def test_schedulers__two_threads_running_loops__never_tick_together(
    two_stores: tuple[Store, Store],
) -> None:
    inside, overlaps, ticks = [0], [0], [0]
    guard = threading.Lock()
    enough = threading.Event()

    def tick(store: Store, now: datetime, *, guard_watch: Any = None) -> list[Any]:
        with guard:
            inside[0] += 1
            overlaps[0] += inside[0] > 1
            ticks[0] += 1
            if ticks[0] >= 30:
                enough.set()
        threading.Event().wait(0.002)  # a tick takes a while: room for another to overlap
        with guard:
            inside[0] -= 1
        return []

    stop = threading.Event()
    schedulers = [
        Scheduler(s, tick=tick, record=lambda *a: None, interval=0.001) for s in two_stores
    ]
    threads = [threading.Thread(target=s.run, args=(stop,)) for s in schedulers]
    for thread in threads:
        thread.start()
    ticked = enough.wait(10)  # 30 ticks, however fast the machine
    stop.set()
    for thread in threads:
        thread.join(5)
    assert ticked and ticks[0] >= 30
    assert overlaps[0] == 0


def test_file_leadership__second_holder__refused_until_released(tmp_path: Any) -> None:
    path = str(tmp_path / "db.scheduler.lock")
    first, second = FileLeadership(path), FileLeadership(path)
    assert first.acquire() and first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_file_leadership__released__lock_file_removed(tmp_path: Any) -> None:
    path = tmp_path / "db.scheduler.lock"
    leader = FileLeadership(str(path))
    assert leader.acquire() and path.exists()
    leader.release()
    assert not path.exists()
    leader.release()  # idempotent


def test_file_leadership__file_removed_by_stopping_leader__not_led_twice(tmp_path: Any) -> None:
    path = str(tmp_path / "db.scheduler.lock")
    first = FileLeadership(path)
    assert first.acquire()
    stale = os.open(path, os.O_RDWR)  # opened by a waiter just before the leader stops

    class Waiter(FileLeadership):
        opened = [stale]

        def _open(self) -> int:
            return self.opened.pop() if self.opened else super()._open()

    first.release()  # removes the file the waiter opened
    third = FileLeadership(path)
    assert third.acquire()  # a new file at the path
    waiter = Waiter(path)
    assert not waiter.acquire()  # the removed file locks, yet the lock is the new file's
    third.release()
    assert waiter.acquire()
    waiter.release()


def test_leadership_for__memory_database__always_leads() -> None:
    with Store.open("sqlite://") as store:
        assert isinstance(Scheduler(store, tick=CountingTick()).leadership, AlwaysLeader)


def test_scheduler__tick_raises__loop_goes_on() -> None:
    calls = [0]
    stop = threading.Event()

    def tick(store: Store, now: datetime, *, guard_watch: Any = None) -> list[Any]:
        calls[0] += 1
        if calls[0] >= 3:
            stop.set()
        raise RuntimeError("boom")

    with Store.open("sqlite://") as store:
        Scheduler(store, tick=tick, record=lambda *a: None, interval=0.001).run(stop)
    assert calls[0] >= 3


def test_scheduler__interval_zero__refused() -> None:
    with Store.open("sqlite://") as store, pytest.raises(ValueError):
        Scheduler(store, interval=0)
