"""Exponential reconnect delays with jitter, reset after a healthy stretch."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class Backoff:
    """Delays of ``initial * 2**n`` capped at ``maximum``, each jittered to [d/2, d].

    Call :meth:`connected` when a connection is established and :meth:`next_delay` when
    it is lost (or fails): a connection that stayed healthy for ``reset_after`` seconds
    starts the sequence again from ``initial``.
    """

    def __init__(
        self,
        initial: float = 1.0,
        maximum: float = 30.0,
        reset_after: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.reset_after = reset_after
        self._clock = clock
        self._rng = rng or random.Random()
        self._attempt = 0
        self._connected_at: float | None = None

    def connected(self) -> None:
        self._connected_at = self._clock()

    def next_delay(self) -> float:
        if self._connected_at is not None:
            if self._clock() - self._connected_at >= self.reset_after:
                self._attempt = 0
            self._connected_at = None
        delay: float = min(self.maximum, self.initial * 2.0 ** min(self._attempt, 30))
        self._attempt += 1
        return delay / 2 + self._rng.random() * delay / 2

    def reset(self) -> None:
        self._attempt = 0
        self._connected_at = None
