"""Status listeners: called with the new status after each change, and only then."""

from __future__ import annotations

import logging
import threading

import pytest

from premiere.sdk import Client, Config, DataSourceState, Status

from .support import SDK_KEY, FakePremiere, make_document, wait_for


def polling(url: str) -> Config:
    return Config(
        sdk_key=SDK_KEY,
        base_url=url,
        streaming=False,
        poll_interval=0.05,
        start_wait=2.0,
        events=False,
        reconnect_delay=0.02,
        max_reconnect_delay=0.05,
    )


def test_status_listener__failure_and_recovery__told_each_transition(
    server: FakePremiere,
) -> None:
    seen: list[Status] = []
    lock = threading.Lock()

    def states() -> list[DataSourceState]:
        with lock:
            return [s.state for s in seen]

    def record(status: Status) -> None:
        with lock:
            seen.append(status)

    with Client(polling(server.url)) as client:
        client.on_status_change(record)
        server.flags_mode = "500"
        wait_for(lambda: DataSourceState.STALE in states())
        server.flags_mode = "ok"
        wait_for(lambda: states()[-1] is DataSourceState.VALID)
        stale = next(s for s in seen if s.state is DataSourceState.STALE)
        assert stale.ready and stale.last_error is not None
    assert states()[-1] is DataSourceState.OFF


def test_status_listener__unsubscribed__not_called_again() -> None:
    seen: list[Status] = []
    client = Client(Config(offline=True, bootstrap=make_document(1)))
    unsubscribe = client.on_status_change(seen.append)
    unsubscribe()
    client.close()  # offline clients are OFF already: no change, and no listener anyway
    assert seen == []


def test_status_listener__raises__logged_and_others_still_called(
    dead_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Status] = []

    def broken(status: Status) -> None:
        raise RuntimeError("boom")

    config = Config(sdk_key=SDK_KEY, base_url=dead_url, streaming=False, start_wait=0)
    with caplog.at_level(logging.ERROR, logger="premiere.sdk"), Client(config) as client:
        client.on_status_change(broken)
        client.on_status_change(seen.append)
    assert [s.state for s in seen][-1] is DataSourceState.OFF
    assert "a status listener raised" in caplog.text
