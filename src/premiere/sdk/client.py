"""The SDK client: local evaluation of one environment's flags, kept current in the background.

Evaluation reads the current :class:`~premiere.sdk.document.Snapshot` (one attribute read,
no lock), calls the engine, counts the result in a per-thread dict and returns. It never
raises and never waits for the network.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from premiere.engine import EvaluationResult, evaluate
from premiere.sdk.background import Background, forget_after_fork, restart_after_fork
from premiere.sdk.bootstrap import load_local_documents
from premiere.sdk.config import Config
from premiere.sdk.document import Snapshot
from premiere.sdk.evaluation import (
    BOOL,
    CLIENT_NOT_READY,
    FLOAT,
    GENERAL,
    INT,
    INVALID_CONTEXT,
    NOW_ATTRIBUTE,
    SERVICE_ATTRIBUTE,
    SERVICE_VERSION_ATTRIBUTE,
    STR,
    TYPE_MISMATCH,
    EvaluationDetail,
    as_bool,
    as_float,
    as_int,
    as_str,
    error_result,
)
from premiere.sdk.events import EventRecorder, ServedVariations
from premiere.sdk.holder import DocumentHolder, Listener
from premiere.sdk.status import Status, StatusListener, StatusTracker
from premiere.sdk.whatsnew import local_whats_new

_MAX_LOGGED = 1000


class Client:
    """Evaluates flags in-process. Build it from a :class:`Config`; ``close()`` it when done.

    ``Client(config)`` loads the bootstrap or cached document if configured, starts the
    data source and waits up to ``config.start_wait`` seconds for the server's document.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._log = config.log
        self._status = StatusTracker()
        cache_path = None if config.offline else config.cache_path
        self._holder = DocumentHolder(self._status, self._log, cache_path)
        self._recorder: EventRecorder | None = None
        self._local: threading.local | None = None  # the recorder's, read on the hot path
        self._served = ServedVariations()  # for the flags the recorder watches
        self._background: Background | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._logged: set[tuple[str, str]] = set()
        self._closed = False
        self._service = {
            k: v
            for k, v in (
                (SERVICE_ATTRIBUTE, config.service_name),
                (SERVICE_VERSION_ATTRIBUTE, config.service_version),
            )
            if v is not None
        }
        if config.offline:
            self._status.off()
        load_local_documents(config, self._holder, self._local_failure)
        if not config.offline:
            self._start_background()
            restart_after_fork(self)
            if config.start_wait > 0:
                self._status.wait_started(config.start_wait)

    # -- evaluation -------------------------------------------------------------------

    def variation(self, key: str, context: Mapping[str, Any], default: Any = None) -> Any:
        """The value ``key`` serves to ``context``, or ``default`` on any error."""
        snap = self._holder.current
        if snap is None or type(context) is not dict:
            return self._evaluate(key, context, default, None).value
        try:
            r = snap.runners[key](context, default, ())
        except Exception:  # unknown, junk, or needing `now`/service: the full path
            return self._evaluate(key, context, default, None).value
        local = self._local
        if local is not None:
            try:
                local.counts[key][r.reason][r.variation] += 1
            except (AttributeError, KeyError, TypeError):
                if self._recorder.count(key, r.reason, r.variation):  # type: ignore[union-attr]
                    self._served.remember(key, context, r.variation)  # a watched flag
        if r.error_code is not None:
            self._log_once(key, r.error_code)
        return r.value

    def bool_variation(self, key: str, context: Mapping[str, Any], default: bool) -> bool:
        r = self._fast(key, context, default, BOOL)
        value: bool = (r or self._evaluate(key, context, default, as_bool)).value
        return value

    def string_variation(self, key: str, context: Mapping[str, Any], default: str) -> str:
        r = self._fast(key, context, default, STR)
        value: str = (r or self._evaluate(key, context, default, as_str)).value
        return value

    def int_variation(self, key: str, context: Mapping[str, Any], default: int) -> int:
        r = self._fast(key, context, default, INT)
        value: int = (r or self._evaluate(key, context, default, as_int)).value
        return value

    def float_variation(self, key: str, context: Mapping[str, Any], default: float) -> float:
        r = self._fast(key, context, default, FLOAT)
        value: float = (r or self._evaluate(key, context, default, as_float)).value
        return float(value) if type(value) is int else value

    def json_variation(self, key: str, context: Mapping[str, Any], default: Any) -> Any:
        return (
            self._fast(key, context, default, None) or self._evaluate(key, context, default, None)
        ).value

    def _fast(
        self, key: str, context: Any, default: Any, types: frozenset[type] | None
    ) -> EvaluationResult | None:
        """The common case, counted; None sends the caller to the full path (no document
        yet, a context to complete, an error, a value of another type)."""
        snap = self._holder.current
        if snap is None or type(context) is not dict:
            return None
        try:
            r: EvaluationResult = snap.runners[key](context, default, ())
        except Exception:
            return None
        if r.error_code is not None or (
            types is not None and r.variation is not None and type(r.value) not in types
        ):
            return None
        local = self._local
        if local is not None:
            try:
                local.counts[key][r.reason][r.variation] += 1
            except (AttributeError, KeyError, TypeError):
                if self._recorder.count(key, r.reason, r.variation):  # type: ignore[union-attr]
                    self._served.remember(key, context, r.variation)  # a watched flag
        return r

    def variation_detail(
        self, key: str, context: Mapping[str, Any], default: Any = None
    ) -> EvaluationDetail:
        r = self._fast(key, context, default, None) or self._evaluate(key, context, default, None)
        return EvaluationDetail(
            r.value,
            r.variation,
            r.reason,
            r.error_code,
            r.rule_id,
            r.rule_index,
            r.in_rollout,
            r.prerequisite_key,
        )

    def all_flags(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """Every flag's value for ``context`` (None where a flag has no value); not counted."""
        snap = self._holder.current
        ctx = self._context(snap, context) if snap is not None else None
        if snap is None or ctx is None:
            return {}
        out: dict[str, Any] = {}
        for key in snap.flags:
            try:
                out[key] = evaluate(snap.compiled, key, ctx, None).value
            except Exception:
                out[key] = None
        return out

    def whats_new(self, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The published notes that apply to ``context``, newest first (docs/sdk.md)."""
        return local_whats_new(self._holder.current, context, self._log)

    def _evaluate(
        self,
        key: str,
        context: Any,
        default: Any,
        convert: Callable[[Any], Any] | None,
    ) -> EvaluationResult:
        snap = self._holder.current
        if snap is None:
            r = error_result(default, CLIENT_NOT_READY)
        elif (ctx := self._context(snap, context, key)) is None:
            r = error_result(default, INVALID_CONTEXT)
        else:
            try:
                r = evaluate(snap.compiled, key, ctx, default)
            except Exception:
                self._log.exception("premiere: evaluating %r failed", key)
                r = error_result(default, GENERAL)
            if convert is not None and r.variation is not None:
                try:
                    r = r._replace(value=convert(r.value))
                except TypeError:
                    r = error_result(default, TYPE_MISMATCH)
        if self._count(key, r):
            self._served.remember(key, context, r.variation)
        if r.error_code is not None:
            self._log_once(key, r.error_code)
        return r

    def _context(self, snap: Snapshot, context: Any, key: Any = None) -> dict[str, Any] | None:
        """The context the engine sees: a dict, with the service and ``now`` filled in
        when flag ``key`` (any flag, for None) reads them."""
        ctx: dict[str, Any]
        if type(context) is dict:
            ctx = context
        else:
            if not isinstance(context, Mapping):
                return None
            try:
                ctx = dict(context)
            except Exception:
                return None
        if not isinstance(key, str):
            service, now = bool(snap.needs_service), bool(snap.needs_now)
        else:
            service, now = key in snap.needs_service, key in snap.needs_now
        if service and self._service:
            ctx = {**self._service, **ctx}
        if now and self.config.fill_now and NOW_ATTRIBUTE not in ctx:
            ctx = {**ctx, NOW_ATTRIBUTE: int(time.time() * 1000)}
        return ctx

    def _count(self, key: Any, r: EvaluationResult) -> bool:
        """Count ``r``; True when ``key`` is a flag whose served variations are remembered."""
        local = self._local
        if local is not None:
            try:
                local.counts[key][r.reason][r.variation] += 1
            except (AttributeError, KeyError, TypeError):
                return self._recorder.count(key, r.reason, r.variation)  # type: ignore[union-attr]
        return False

    def _log_once(self, key: Any, code: str) -> None:
        marker = (str(key), code)
        if marker in self._logged or len(self._logged) >= _MAX_LOGGED:
            return
        self._logged.add(marker)
        level = logging.INFO if code == CLIENT_NOT_READY else logging.WARNING
        self._log.log(
            level,
            "premiere: flag %r served the default: %s (logged once per flag and code)",
            key,
            code,
        )

    # -- events -----------------------------------------------------------------------

    def track(
        self,
        event_key: str,
        context: Mapping[str, Any],
        value: float | None = None,
        *,
        flag: str | None = None,
    ) -> None:
        """Count a custom event (with an optional numeric value); never raises.

        With ``flag``, the event is attributed to the variation of ``flag`` last served
        to ``context``'s key by this client (release guards compare those variations).
        The client remembers served variations only for flags tracked with ``flag=`` (from
        the first such call on) and only for the most recent contexts; an event without a
        remembered variation (or whose context was served the default) is counted
        unattributed.
        """
        recorder = self._recorder
        if recorder is None or not isinstance(event_key, str):
            return
        if value is not None and not _usable_value(value):
            self._log_once(event_key, "INVALID_EVENT_VALUE")
            value = None
        if not isinstance(flag, str):
            recorder.track(event_key, value)
            return
        if flag not in recorder.watched:
            self._local = recorder.watch(flag)
        recorder.track(event_key, value, flag, self._served.served(flag, context))

    def flush(self) -> bool:
        """Send the counted events now; True when they were sent (or there were none)."""
        processor = self._background.processor if self._background is not None else None
        if processor is None:
            return True
        return False if self._closed else processor.flush()

    # -- state ------------------------------------------------------------------------

    def status(self) -> Status:
        return self._status.status

    def is_ready(self) -> bool:
        """True when a document is loaded (from the server, the cache or the bootstrap)."""
        return self._holder.current is not None

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        return self._status.wait_ready(timeout)

    def on_change(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(keys)`` with the changed flag keys on every new document.

        Called on the data source's thread; returns a function that unsubscribes."""
        return self._holder.add_listener(callback)

    def on_status_change(self, callback: StatusListener) -> Callable[[], None]:
        """Call ``callback(status)`` with the new :class:`Status` after every change (a
        document loaded, a failure, a recovery, ``close()``).

        Called on the thread that made the change; returns a function that unsubscribes."""
        log = self._log

        def guarded(status: Status) -> None:
            try:
                callback(status)
            except Exception:
                log.exception("premiere: a status listener raised")

        return self._status.add_listener(guarded)

    def close(self) -> None:
        """Stop the background threads and send the remaining events. Evaluation keeps
        serving the last document."""
        if self._closed:
            return
        self._closed = True
        forget_after_fork(self)
        if self._finalizer is not None:
            self._finalizer()
        self._status.off()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- start-up and fork ---------------------------------------------------------------

    def _local_failure(self, message: str) -> None:
        self._log.error("premiere: %s", message)
        self._status.error(message)

    def _start_background(self) -> None:
        config = self.config
        if config.events:
            self._recorder = EventRecorder(config.event_buffer_size)
            self._local = self._recorder.local
        self._background = Background(config, self._holder, self._recorder)
        self._background.start()
        # Stops the threads when close() is called, or when the client is garbage
        # collected without it (the threads hold no reference to the client).
        self._finalizer = weakref.finalize(self, self._background.stop)
        self._finalizer.atexit = False

    def _after_fork_in_child(self) -> None:
        """The parent's threads do not exist here: start our own, keep the document."""
        if self._finalizer is not None:
            self._finalizer.detach()  # the parent's threads and connections are not ours
        self._status.after_fork()
        self._holder.after_fork()
        self._logged = set()
        self._start_background()


def _usable_value(value: object) -> bool:
    """A finite number whose square is finite too (the batch carries sums of squares)."""
    if type(value) is bool or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value) ** 2)
    except OverflowError:
        return False
