"""Sending counted events: the background thread that POSTs batches to the server.

A batch that cannot be sent is kept (within ``event_buffer_size`` distinct entries) for
the next flush. When the server answers 429 or 5xx with ``Retry-After``, nothing is sent
before that many seconds have passed (at most ``unauthorized_retry_interval``): flushes
meanwhile keep merging counts into the pending batch, and send it once the wait is over.
Sending never raises into the application.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from premiere.sdk.config import Config
from premiere.sdk.events import CountKey, CustomCounts, CustomKey, EventRecorder
from premiere.sdk.transport import Transport, TransportError

Clock = Callable[[], float]


class EventProcessor:
    """The background thread that flushes an :class:`EventRecorder` to the server."""

    def __init__(
        self,
        recorder: EventRecorder,
        transport: Transport,
        config: Config,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.recorder = recorder
        self.transport = transport
        self.config = config
        self.log = config.log
        self._stopping = threading.Event()
        self._flush_lock = threading.Lock()
        self._pending: dict[CountKey, int] = {}
        self._custom: CustomCounts = {}
        self._dropped = 0
        self._period_start = time.time()
        self._refused = False  # the server refused the key (401, 403): send no more
        self._failing = False
        self._clock = clock
        self._not_before = 0.0  # by ``clock``: the server asked to wait until then
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="premiere-sdk-events", daemon=True)
        self._thread.start()

    def stop(self, *, flush: bool = True) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        if flush:
            self.flush()

    def _run(self) -> None:
        while not self._stopping.wait(self.config.event_flush_interval):
            try:
                self.flush()
            except Exception:
                self.log.exception("premiere: flushing events failed")

    def flush(self) -> bool:
        """Send what was counted since the last successful flush; True when it was sent."""
        with self._flush_lock:
            self._merge(*self.recorder.collect())
            if not self._pending and not self._custom and not self._dropped:
                return True
            if self._refused:
                self._reset()
                return False
            if self._clock() < self._not_before:
                return False  # the server asked to wait (Retry-After): kept for later
            payload = self._payload()
            try:
                status, retry_after = self.transport.post_events(payload)
            except TransportError as exc:
                return self._failed(str(exc) or type(exc).__name__)
            except Exception as exc:  # a transport's own bug: flush() must not raise
                self.log.debug("premiere: the transport failed", exc_info=True)
                return self._failed(f"{type(exc).__name__}: {exc}")
            if retry_after and (status == 429 or status >= 500):
                return self._wait(status, retry_after)
            if status in (401, 403):
                self.log.error(
                    "premiere: POST /api/v1/sdk/events answered %d: the SDK key is refused; "
                    "no more events will be sent",
                    status,
                )
                self._refused = True
                self._reset()
                return False
            if 400 <= status < 500 and status not in (408, 429):
                # The server refuses this batch (a bad key, an unknown format): sending it
                # again would not help, so it is dropped rather than kept forever.
                self.log.warning(
                    "premiere: POST /api/v1/sdk/events answered %d; dropping this batch", status
                )
                self._reset()
                return False
            if status >= 300:
                return self._failed(f"POST /api/v1/sdk/events answered {status}")
            self._reset()
            self._failing = False
            return True

    def _reset(self) -> None:
        self._pending, self._custom, self._dropped = {}, {}, 0
        self._period_start = time.time()

    def _merge(self, deltas: dict[CountKey, int], custom: CustomCounts, dropped: int) -> None:
        bound = self.config.event_buffer_size
        pending = self._pending
        self._dropped += dropped
        for key, n in deltas.items():
            if key in pending:
                pending[key] += n
            elif len(pending) < bound:
                pending[key] = n
            else:
                self._dropped += n
        for slot, sums in custom.items():
            entry = self._custom.get(slot)
            if entry is None:
                if len(self._custom) >= bound:
                    self._dropped += int(sums[0])
                    continue
                entry = self._custom[slot] = [0, 0, 0.0, 0.0]
            for i, x in enumerate(sums):
                entry[i] += x

    def _payload(self) -> dict[str, Any]:
        config = self.config
        return {
            "period_start": _rfc3339(self._period_start),
            "period_end": _rfc3339(time.time()),
            "service": {"name": config.service_name, "version": config.service_version},
            "flags": [
                {"key": key, "variation": variation, "reason": reason, "count": n}
                for (key, variation, reason), n in sorted(self._pending.items(), key=_order)
            ],
            "custom": [
                _custom_entry(slot, sums)
                for slot, sums in sorted(self._custom.items(), key=_custom_order)
            ],
            "dropped": self._dropped,
        }

    def _wait(self, status: int, retry_after: float) -> bool:
        """Send nothing for ``retry_after`` seconds (at most the 401 retry interval)."""
        wait = min(retry_after, self.config.unauthorized_retry_interval)
        self._not_before = self._clock() + wait
        return self._failed(
            f"POST /api/v1/sdk/events answered {status}; next attempt in {wait:g} s or later"
        )

    def _failed(self, why: str) -> bool:
        level = "debug" if self._failing else "warning"
        getattr(self.log, level)(
            "premiere: could not send evaluation events (%s); keeping up to %d of them",
            why,
            self.config.event_buffer_size,
        )
        self._failing = True
        return False


def _order(item: tuple[CountKey, int]) -> tuple[str, int, str]:
    (key, variation, reason), _ = item
    return key, -1 if variation is None else variation, reason


def _custom_entry(slot: CustomKey, sums: list[float]) -> dict[str, Any]:
    key, flag, variation = slot
    count, value_count, value_sum, value_sum_squares = sums
    entry: dict[str, Any] = {
        "key": key,
        "count": int(count),
        "value_count": int(value_count),
        "value_sum": value_sum,
        "value_sum_squares": value_sum_squares,
    }
    if flag is not None:
        entry["flag"], entry["variation"] = flag, variation
    return entry


def _custom_order(item: tuple[CustomKey, list[float]]) -> tuple[str, str, int]:
    (key, flag, variation), _ = item
    return key, flag or "", -1 if variation is None else variation


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
