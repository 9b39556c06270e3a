"""Background work: due schedules, rollout stages and release guards.

:class:`~premiere.scheduler.loop.Scheduler` calls the releases' ``tick`` every few
seconds with a :class:`~premiere.services.releases.guards.GuardWatcher`, then records the guard
decisions. All state lives in the database, so a restarted scheduler resumes where the
last one stopped, and one tick catches up on whatever fell due meanwhile. Several
schedulers may run (``premiere serve`` processes, ``premiere worker``): one leads at a
time (:mod:`premiere.scheduler.leadership`). See docs/scheduler.md.
"""

from __future__ import annotations

from premiere.scheduler.leadership import Leadership, leadership_for
from premiere.scheduler.loop import Scheduler, TickReport

__all__ = ["Leadership", "Scheduler", "TickReport", "leadership_for"]
