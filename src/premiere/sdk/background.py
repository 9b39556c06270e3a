"""A client's background work: its transport, its data source thread and its event
thread, started together and stopped together; and the fork hook that starts them again
in a child process (the parent's threads do not exist there)."""

from __future__ import annotations

import logging
import os
import weakref
from typing import Protocol

from premiere.sdk.config import Config
from premiere.sdk.datasource import DataSource, PollingDataSource, StreamingDataSource
from premiere.sdk.event_sender import EventProcessor
from premiere.sdk.events import EventRecorder
from premiere.sdk.holder import DocumentHolder
from premiere.sdk.http_transport import HttpTransport
from premiere.sdk.transport import Transport


class Background:
    """The threads of one client. They hold no reference to the client, so a client
    dropped without ``close()`` is collected, and its finalizer calls :meth:`stop`."""

    def __init__(
        self, config: Config, holder: DocumentHolder, recorder: EventRecorder | None
    ) -> None:
        self.log = config.log
        make_transport = config.transport or HttpTransport
        self.transport: Transport = make_transport(config)
        kind = StreamingDataSource if config.streaming else PollingDataSource
        self.source: DataSource = kind(self.transport, holder, config)
        self.processor = (
            EventProcessor(recorder, self.transport, config) if recorder is not None else None
        )

    def start(self) -> None:
        self.source.start()
        if self.processor is not None:
            self.processor.start()

    def stop(self) -> None:
        """Stop the threads, send the last events, close the transport (never raises:
        it runs in ``close()`` and in a finalizer)."""
        self.source.stop()
        if self.processor is not None:
            self.processor.stop(flush=True)
        try:
            self.transport.close()
        except Exception:
            self.log.exception("premiere: closing the transport failed")


class Restartable(Protocol):
    def _after_fork_in_child(self) -> None: ...


_FORK_REGISTRY: weakref.WeakSet[Restartable] = weakref.WeakSet()


def restart_after_fork(client: Restartable) -> None:
    """Call ``client._after_fork_in_child()`` in every child process forked from now on."""
    _FORK_REGISTRY.add(client)


def forget_after_fork(client: Restartable) -> None:
    _FORK_REGISTRY.discard(client)


def _restart_in_child() -> None:
    for client in list(_FORK_REGISTRY):
        try:
            client._after_fork_in_child()
        except Exception:
            logging.getLogger("premiere.sdk").exception("premiere: restarting after fork failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_restart_in_child)
