"""Evaluation counts and custom events: counted in memory, sent in batches.

The evaluation path only increments a counter in a dict that belongs to the calling
thread (no lock, no shared write). A background thread takes the differences since its
last look, merges them into a pending batch bounded by ``event_buffer_size`` distinct
entries (past it, events are dropped and the drops counted) and POSTs the batch to
``/api/v1/sdk/events``. When that fails the batch is kept (within the bound) for the
next flush; evaluation is never affected. The sending half is
:class:`premiere.sdk.event_sender.EventProcessor`.

Custom events (``track``) are counted per event key and, when tracked with ``flag=``,
per the variation of that flag last served to the context's key: :class:`ServedVariations`
remembers it, but only for flags that have been tracked with ``flag=``: their counts are
kept where the evaluation path's counter lookup misses, so only their evaluations take
the slow path (:meth:`EventRecorder.watch`); other flags pay nothing more.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

CountKey = tuple[str, "int | None", str]  # (flag key, variation index, reason kind)
CustomKey = tuple[str, "str | None", "int | None"]  # (event key, flag, variation) or no flag
# count, value_count, value_sum, value_sum_squares
CustomCounts = dict[CustomKey, list[float]]

SERVED_MEMORY = 10_000
"""(flag, context key) pairs whose last served variation a client remembers."""
WATCHED_FLAGS = 1_000
"""Flags a client remembers served variations for (the first ones tracked with flag=)."""


class ServedVariations:
    """The variation last served per (flag, context key): a small LRU.

    The client writes to it only for the flags its :class:`EventRecorder` watches (a
    flag becomes watched when an event is first tracked with it); evaluations of other
    flags never come near it.
    """

    def __init__(self, bound: int = SERVED_MEMORY) -> None:
        self.bound = bound
        self._last: OrderedDict[tuple[str, str], int | None] = OrderedDict()

    def remember(self, flag: str, context: object, variation: int | None) -> None:
        """Note ``variation`` (None: the default) as served to ``context``'s key.

        No lock: each OrderedDict operation is atomic, and when threads race the worst
        outcome is an entry evicted early or late (the bound holds within a few entries)."""
        try:
            key = context.get("key")  # type: ignore[attr-defined]
        except Exception:
            return
        if type(key) is not str:
            return
        last = self._last
        slot = (flag, key)
        try:
            last[slot] = variation
            last.move_to_end(slot)
            if len(last) > self.bound:
                last.popitem(last=False)  # the least recently served
        except KeyError:  # another thread evicted it or emptied the memory meanwhile
            pass

    def served(self, flag: str, context: object) -> int | None:
        """The variation last served to ``context``'s key, None when unknown (or a default)."""
        try:
            key = context.get("key")  # type: ignore[attr-defined]
        except Exception:
            return None
        if not isinstance(key, str):
            return None
        return self._last.get((flag, key))

    def clear(self) -> None:
        self._last.clear()


# Per thread: flag key -> reason kind -> variation index -> count. Nested dicts keyed by
# strings and small ints are cheaper to increment than one dict keyed by tuples (string
# hashes are cached; a new tuple is hashed on every lookup).
# A watched flag's counts are under (key,) instead (see EventRecorder.watch).
ThreadCounts = dict["str | tuple[str]", dict[str, dict["int | None", int]]]


class _Slot:
    """One thread's counters; only that thread writes ``counts`` (and replaces it)."""

    __slots__ = ("counts", "retired", "seen", "size", "thread")

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = weakref.ref(thread)
        self.counts: ThreadCounts = {}
        self.seen: dict[CountKey, int] = {}  # what the flusher last took from ``counts``
        self.size = 0  # distinct keys in ``counts``
        # Counter dicts the thread has set aside (with what the flusher took from each):
        # read once more by the next collect, then forgotten.
        self.retired: list[tuple[ThreadCounts, dict[CountKey, int], int]] = []


class EventRecorder:
    """The evaluation-side half: per-thread counters under a bound on distinct keys.

    The hot path (in the client) is ``local.counts[flag][reason][variation] += 1``; any
    miss (first use in a thread, a new key) comes here, to :meth:`count`. When the bound
    is reached, the count is dropped and the thread sets its counters aside for the next
    collect, which frees their room: the bound holds at every moment, and recovers after
    a flush.
    """

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.local = threading.local()
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []
        self._distinct = 0  # keys held in every slot's counts and retired counts
        self._dropped = 0  # counts dropped on the evaluation side since the last collect
        self._custom: CustomCounts = {}
        self.watched: frozenset[str] = frozenset()  # flags tracked with flag=

    def count(self, key: object, reason: str, variation: int | None) -> bool:
        """The slow path of a count: a thread's first, a key it has not counted yet, or a
        watched flag (always). True when ``key`` is watched (the caller remembers what it
        served)."""
        if not isinstance(key, str):
            return False
        try:
            slot: _Slot = self.local.slot
        except AttributeError:
            slot = self._register()
        watched = key in self.watched
        # A watched flag's counts live under (key,): the hot path looks up ``key`` and
        # misses, so every evaluation of it comes here.
        by_variation = slot.counts.setdefault((key,) if watched else key, {}).setdefault(reason, {})
        if variation in by_variation:
            by_variation[variation] += 1
            return watched
        with self._lock:
            if self._distinct >= self.bound:
                self._dropped += 1
                if slot.size and not slot.retired:
                    self._retire(slot)
                return watched
            self._distinct += 1
            slot.size += 1
        by_variation[variation] = 1
        return watched

    def watch(self, flag: str) -> threading.local:
        """Send every evaluation of ``flag`` to :meth:`count` from now on; returns the new
        ``local`` the client must read on its hot path.

        A fresh ``threading.local`` makes each thread's next count miss; on that miss the
        thread sets its counters aside (it alone writes them) and starts new ones, in
        which ``flag`` is kept where the hot path does not look.
        """
        with self._lock:
            if flag not in self.watched and len(self.watched) < WATCHED_FLAGS:
                self.watched = self.watched | {flag}
                self.local = threading.local()
            return self.local

    def _retire(self, slot: _Slot) -> None:
        """Set the calling thread's counters aside (it alone writes them, so it may)."""
        slot.retired.append((slot.counts, slot.seen, slot.size))
        slot.counts, slot.seen, slot.size = {}, {}, 0
        self.local.counts = slot.counts

    def _register(self) -> _Slot:
        current = threading.current_thread()
        with self._lock:
            for slot in self._slots:
                if slot.thread() is current:  # a new ``local`` (see watch): new counters
                    if slot.counts:
                        slot.retired.append((slot.counts, slot.seen, slot.size))
                        slot.counts, slot.seen, slot.size = {}, {}, 0
                    break
            else:
                slot = _Slot(current)
                self._slots.append(slot)
        self.local.slot = slot
        self.local.counts = slot.counts
        return slot

    def track(
        self,
        event_key: str,
        value: float | None,
        flag: str | None = None,
        variation: int | None = None,
    ) -> None:
        """Count one custom event; attributed to ``flag``'s ``variation`` when both are given."""
        slot: CustomKey = (
            (event_key, None, None)
            if flag is None or variation is None
            else (
                event_key,
                flag,
                variation,
            )
        )
        with self._lock:
            entry = self._custom.get(slot)
            if entry is None:
                if len(self._custom) >= self.bound:
                    self._dropped += 1
                    return
                entry = self._custom[slot] = [0, 0, 0.0, 0.0]
            entry[0] += 1
            if value is not None:
                entry[1] += 1
                entry[2] += value
                entry[3] += value * value

    def collect(self) -> tuple[dict[CountKey, int], CustomCounts, int]:
        """Counts since the last call, custom aggregates, and drops (the recorder's side).

        Under the lock, so that no thread sets its counters aside half-way; evaluation
        only takes the lock for a key it has not counted before.
        """
        deltas: dict[CountKey, int] = {}
        with self._lock:
            custom, self._custom = self._custom, {}
            dropped, self._dropped = self._dropped, 0
            for slot in list(self._slots):
                for counts, seen, size in slot.retired:
                    _add_deltas(deltas, _flatten(counts), seen)
                    self._distinct -= size
                slot.retired = []
                thread = slot.thread()
                alive = thread is not None and thread.is_alive()
                now = _flatten(slot.counts)
                _add_deltas(deltas, now, slot.seen)
                slot.seen = now
                if not alive:
                    self._slots.remove(slot)
                    self._distinct -= slot.size
        return deltas, custom, dropped


def _add_deltas(
    deltas: dict[CountKey, int], now: dict[CountKey, int], seen: dict[CountKey, int]
) -> None:
    for key, n in now.items():
        d = n - seen.get(key, 0)
        if d:
            deltas[key] = deltas.get(key, 0) + d


def _flatten(counts: ThreadCounts) -> dict[CountKey, int]:
    """A snapshot of another thread's counters: each dict.copy() is one atomic C call."""
    out: dict[CountKey, int] = {}
    for slot_key, by_reason in counts.copy().items():
        key = slot_key if type(slot_key) is str else slot_key[0]  # (key,): a watched flag
        for reason, by_variation in by_reason.copy().items():
            for variation, n in by_variation.copy().items():
                count_key = (key, variation, reason)
                out[count_key] = out.get(count_key, 0) + n
    return out
