"""Run a deployment command: stream its output, keep its tail, forward Ctrl-C.

This module knows nothing of the API or of click: ``run_command`` starts the
command in a process group of its own, hands every output line (stdout and
stderr, merged) to ``on_line`` as it arrives, keeps the last lines as the log
excerpt, and returns a :class:`RunOutcome`. While it runs, SIGINT and SIGTERM
sent to this process are forwarded to the command's process group; a second
signal kills the group (SIGKILL). The command's standard input is ``/dev/null``.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import IO

TAIL_LINES = 200
TAIL_CHARS = 16_000
MAX_LINE_CHARS = 2_000
TICK_SECONDS = 0.1
DRAIN_SECONDS = 1.0  # how long to keep reading after the command exits (grandchildren)
COMMAND_NOT_FOUND = 127
COMMAND_NOT_RUNNABLE = 126
FORWARDED = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class RunOutcome:
    """How the command ended.

    ``exit_code`` is its exit status (128 + N when signal N ended it, 127 when it
    could not be found, 126 when it could not be started); ``interrupted`` names the
    signal this process received and forwarded (``"SIGINT"``), if any.
    """

    exit_code: int
    duration_ms: int
    log_excerpt: str
    log_truncated: bool
    interrupted: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and self.interrupted is None

    @property
    def reason(self) -> str | None:
        """Why it failed, in a few words (None when it succeeded)."""
        if self.interrupted:
            return "interrupted"
        if self.error:
            return self.error
        if self.exit_code != 0:
            return f"the command exited with code {self.exit_code}"
        return None


class Tail:
    """The last lines of a log, within a line and a character budget."""

    def __init__(self, max_lines: int = TAIL_LINES, max_chars: int = TAIL_CHARS) -> None:
        self._lines: deque[str] = deque()
        self._chars = 0
        self._max_lines = max_lines
        self._max_chars = max_chars
        self.truncated = False

    def add(self, line: str) -> None:
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + "…"
        self._lines.append(line)
        self._chars += len(line) + 1
        while len(self._lines) > self._max_lines or (
            self._chars - 1 > self._max_chars and len(self._lines) > 1
        ):
            self._chars -= len(self._lines.popleft()) + 1
            self.truncated = True

    def text(self) -> str:
        return "\n".join(self._lines)


def run_command(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    on_line: Callable[[str], None],
    on_tick: Callable[[float], None] | None = None,
    cwd: str | None = None,
    tail: Tail | None = None,
) -> RunOutcome:
    """Run ``argv`` with ``env`` (the whole environment), streaming its output line by line.

    ``on_tick(elapsed_seconds)`` is called about ten times a second while it runs.
    """
    tail = tail or Tail()
    started = time.monotonic()
    with _forwarding() as forwarder:  # before the start: the command may signal at once
        try:
            process = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0 if os.name == "posix" else None,
            )
        except FileNotFoundError:
            return _not_started(COMMAND_NOT_FOUND, f"command not found: {argv[0]}", started)
        except OSError as exc:
            reason = f"cannot run {argv[0]}: {exc.strerror or exc}"
            return _not_started(COMMAND_NOT_RUNNABLE, reason, started)
        forwarder.attach(process)
        for line in _lines(process, on_tick, started):
            tail.add(line)
            on_line(line)
        code = process.wait()
    return RunOutcome(
        exit_code=128 - code if code < 0 else code,
        duration_ms=round((time.monotonic() - started) * 1000),
        log_excerpt=tail.text(),
        log_truncated=tail.truncated,
        interrupted=forwarder.received[0] if forwarder.received else None,
    )


def _not_started(code: int, reason: str, started: float) -> RunOutcome:
    return RunOutcome(
        exit_code=code,
        duration_ms=round((time.monotonic() - started) * 1000),
        log_excerpt=reason,
        log_truncated=False,
        error=reason,
    )


def _lines(
    process: subprocess.Popen[bytes], on_tick: Callable[[float], None] | None, started: float
) -> Iterator[str]:
    """The command's output lines as they come; stops at end of output, or shortly
    after the command exits when a background grandchild keeps the pipe open."""
    lines: queue.Queue[bytes | None] = queue.Queue()
    assert process.stdout is not None
    reader = threading.Thread(target=_read, args=(process.stdout, lines), daemon=True)
    reader.start()
    exited_at: float | None = None
    while True:
        try:
            raw = lines.get(timeout=TICK_SECONDS)
        except queue.Empty:
            now = time.monotonic()
            if on_tick is not None:
                on_tick(now - started)
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_SECONDS:
                return
            continue
        if raw is None:
            return
        yield _decode(raw)


def _read(stream: IO[bytes], lines: queue.Queue[bytes | None]) -> None:
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw)
    except (OSError, ValueError):
        pass
    finally:
        stream.close()
        lines.put(None)


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
    # A progress bar redraws its line with \r: keep what a terminal would show last.
    return text.rsplit("\r", 1)[-1]


class _Forwarder:
    """The signal handler: passes SIGINT/SIGTERM on to the command's process group (a
    second signal kills it); signals that arrive before the command started are passed
    on once it has."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self._process: subprocess.Popen[bytes] | None = None

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signal.Signals(signum).name)
        self._forward()

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        if self.received:
            self._forward()

    def _forward(self) -> None:
        if self._process is None:
            return
        if len(self.received) == 1:
            _signal(self._process, getattr(signal, self.received[0]))
        else:
            _signal(self._process, getattr(signal, "SIGKILL", signal.SIGTERM))


@contextmanager
def _forwarding() -> Iterator[_Forwarder]:
    """A forwarder installed as the SIGINT/SIGTERM handler for the duration (main thread
    only: elsewhere Python allows no handlers, and the forwarder just stays empty)."""
    forwarder = _Forwarder()
    if threading.current_thread() is not threading.main_thread():
        yield forwarder
        return
    previous = {sig: signal.signal(sig, forwarder) for sig in FORWARDED}
    try:
        yield forwarder
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signum)
        else:  # pragma: no cover - not POSIX
            process.send_signal(signum)
    except (ProcessLookupError, PermissionError):
        pass


__all__ = ["RunOutcome", "Tail", "run_command"]
