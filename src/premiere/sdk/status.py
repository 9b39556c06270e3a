"""Where the client's flags come from, and how fresh they are."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace


class DataSourceState(enum.Enum):
    """The state of the client's data source.

    INITIALIZING: no document yet; still trying to get one.
    VALID: the document is the server's current one (the last contact succeeded).
    STALE: a document is served, but it may be out of date: it came from the bootstrap
        or the on-disk cache, or the last contact with the server failed.
    OFF: the data source is not running: offline mode, or the client is closed.
    REFUSED: the server refused the SDK key (401 or 403): the data source stopped and
        does not try again (a wrong key stays wrong; ``last_error`` says why). A document
        already held (bootstrap, cache, an earlier one) is still served.
    """

    INITIALIZING = "INITIALIZING"
    VALID = "VALID"
    STALE = "STALE"
    OFF = "OFF"
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class Status:
    """A snapshot of the client's data-source state.

    ``ready`` is true when a document is loaded (from any source), so evaluation serves
    configured values rather than defaults. ``source`` names where the served document
    came from: "server", "cache" or "bootstrap" (None before any). Times are Unix seconds.
    """

    state: DataSourceState
    ready: bool
    source: str | None
    document_version: int | None
    last_update_at: float | None
    last_error: str | None
    last_error_at: float | None


StatusListener = Callable[[Status], None]


class StatusTracker:
    """Thread-safe holder of the current :class:`Status`; the data sources write it.

    Listeners are called with the new status after each change, outside the lock, on the
    thread that made it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._attempted = False
        self._given_up = False
        self._status = Status(DataSourceState.INITIALIZING, False, None, None, None, None, None)
        self._listeners: tuple[StatusListener, ...] = ()

    def after_fork(self) -> None:
        self._cond = threading.Condition()

    @property
    def status(self) -> Status:
        return self._status

    def add_listener(self, listener: StatusListener) -> Callable[[], None]:
        with self._cond:
            self._listeners = (*self._listeners, listener)

        def remove() -> None:
            with self._cond:
                self._listeners = tuple(x for x in self._listeners if x is not listener)

        return remove

    def _notify(self, old: Status, new: Status) -> None:
        if new != old:
            for listener in self._listeners:
                listener(new)

    def document_loaded(self, source: str, version: int | None) -> None:
        with self._cond:
            s = old = self._status
            state: DataSourceState
            if s.state in (DataSourceState.OFF, DataSourceState.REFUSED):
                state = s.state
            elif source == "server":
                state = DataSourceState.VALID
            else:
                state = DataSourceState.STALE
            self._status = replace(
                s,
                state=state,
                ready=True,
                source=source,
                document_version=version,
                last_update_at=time.time(),
            )
            self._attempted = self._attempted or source == "server"
            new = self._status
            self._cond.notify_all()
        self._notify(old, new)

    def contact_succeeded(self) -> None:
        """The server confirmed that the served document is current (a 304, a heartbeat)."""
        with self._cond:
            s = old = self._status
            if s.state is DataSourceState.STALE and s.ready:
                self._status = replace(s, state=DataSourceState.VALID)
            self._attempted = True
            new = self._status
            self._cond.notify_all()
        self._notify(old, new)

    def error(self, message: str, *, final: bool = False) -> None:
        """Record a failure; ``final`` when retrying soon is pointless (401, 403), which
        ends the start-up wait even without a document."""
        with self._cond:
            self._given_up = self._given_up or final
            s = old = self._status
            state = DataSourceState.STALE if s.state is DataSourceState.VALID else s.state
            self._status = replace(s, state=state, last_error=message, last_error_at=time.time())
            self._attempted = True
            new = self._status
            self._cond.notify_all()
        self._notify(old, new)

    def refused(self, message: str) -> None:
        """The server refused the SDK key: the data source stops for good (REFUSED), and
        the start-up wait ends."""
        with self._cond:
            self._given_up = True
            old = self._status
            self._status = replace(
                old, state=DataSourceState.REFUSED, last_error=message, last_error_at=time.time()
            )
            self._attempted = True
            new = self._status
            self._cond.notify_all()
        self._notify(old, new)

    def off(self) -> None:
        with self._cond:
            old = self._status
            self._status = replace(self._status, state=DataSourceState.OFF)
            self._attempted = True
            new = self._status
            self._cond.notify_all()
        self._notify(old, new)

    def wait_ready(self, timeout: float | None) -> bool:
        """Wait until a document is loaded (from any source); True when it is."""
        with self._cond:
            return self._cond.wait_for(lambda: self._status.ready, timeout)

    def wait_started(self, timeout: float) -> None:
        """Wait for a server document, or, holding one already, for the first attempt's end."""

        def started() -> bool:
            s = self._status
            return s.source == "server" or self._given_up or (s.ready and self._attempted)

        with self._cond:
            self._cond.wait_for(started, timeout)
