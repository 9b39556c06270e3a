"""The change broadcaster: one per process, fanning document changes out to SDK streams.

Subscribers are SDK streams of one environment and one audience (``sdk-server``: every
flag; ``sdk-client``: client-visible flags and the segments they use). For every
environment with at least one subscriber the broadcaster keeps that environment's
flag document in memory, with its version and its change-feed position.

When it learns of a change (an in-process signal after a local commit, PostgreSQL
``NOTIFY`` from any replica, or a poll of the document versions), it reads the feed
rows after its position and the changed flags and segments, once, in one snapshot;
builds one patch per audience, encodes each once, and puts the same bytes into every
subscriber's queue. Queues are bounded: a subscriber whose queue is full (a client
that stopped reading) is disconnected instead of slowing the others down.

Frames are complete server-sent events (``bytes``); the HTTP layer only writes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere import engine
from premiere.services.mappers import (
    map_flag_rows_to_document_flag,
    map_segment_row_to_document_segment,
)
from premiere.services.sdk.documents import FlagDocument, build_flag_document
from premiere.store import Store
from premiere.store.feed import changes_since
from premiere.store.models import Environment, Flag, FlagConfig, Project, Segment
from premiere.store.notifications import (
    ChangedEnvironments,
    document_versions,
    latest_feed_position,
    listen_for_changes,
    on_changes_committed,
)

log = logging.getLogger("premiere.broadcast")

EnvironmentKey = tuple[str, str]
HEARTBEAT = b": heartbeat\n\n"
_CLOSE = b""
_FEED_PAGE = 500


@dataclass(frozen=True)
class BroadcastSettings:
    heartbeat_seconds: float = 15.0
    """A ``: heartbeat`` comment to every stream this often."""
    poll_seconds: float = 0.25
    """How often document versions are polled on SQLite (other processes' writes)."""
    fallback_poll_seconds: float = 5.0
    """How often they are polled on PostgreSQL, in case a notification was lost."""
    queue_size: int = 256
    """Frames a stream may fall behind before it is disconnected."""


class Mailbox:
    """A bounded queue of frames for one reader: what ``asyncio.Queue`` does, minus what
    a fan-out to thousands of streams pays for and never uses (task accounting, a
    deque of getters, a putter side)."""

    __slots__ = ("_frames", "_limit", "_waiter")

    def __init__(self, limit: int) -> None:
        self._frames: deque[bytes] = deque()
        self._limit = max(1, limit)
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, data: bytes) -> None:
        """Add a frame, or ``asyncio.QueueFull`` when the reader is ``limit`` behind."""
        if len(self._frames) >= self._limit:
            raise asyncio.QueueFull
        self._frames.append(data)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def empty(self) -> bool:
        return not self._frames

    def get_nowait(self) -> bytes:
        if not self._frames:
            raise asyncio.QueueEmpty
        return self._frames.popleft()

    async def get(self) -> bytes:
        """The next frame, waiting for one (a single reader at a time)."""
        while not self._frames:
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        return self._frames.popleft()

    def take_all(self) -> bytes:
        """Every frame queued, joined (empty when none)."""
        data = b"".join(self._frames)
        self._frames.clear()
        return data


@dataclass(eq=False)
class Subscription:
    """One SDK stream: read :attr:`queue` until :attr:`closed` (or an empty frame)."""

    environment: EnvironmentKey
    client_only: bool
    queue: Mailbox
    closed: bool = False


def frame(event: str, event_id: int, payload: Any) -> bytes:
    """One server-sent event with a single-line JSON ``data`` field."""
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event}\nid: {event_id}\ndata: {data}\n\n".encode()


@dataclass
class _Environment:
    """An environment's document as its subscribers last saw it."""

    key: EnvironmentKey
    version: int = 0
    seq: int = 0
    flags: dict[str, Any] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)
    client_refs: dict[str, frozenset[str]] = field(default_factory=dict)
    client_segments: frozenset[str] = frozenset()
    subscribers: dict[bool, set[Subscription]] = field(
        default_factory=lambda: {False: set(), True: set()}
    )
    document_frames: dict[bool, bytes] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loaded: bool = False

    def load(self, document: FlagDocument, seq: int) -> None:
        self.version = document["version"]
        self.seq = seq
        self.flags = dict(document["flags"])
        self.segments = dict(document["segments"])
        self.client_refs = {
            k: frozenset(engine.referenced_segments(f))
            for k, f in self.flags.items()
            if f.get("client_visible")
        }
        self.client_segments = frozenset().union(*self.client_refs.values())
        self.document_frames.clear()
        self.loaded = True

    def document(self, client_only: bool) -> dict[str, Any]:
        project, environment = self.key
        if client_only:
            flags = {k: self.flags[k] for k in self.client_refs}
            segments = {k: self.segments[k] for k in self.client_segments if k in self.segments}
        else:
            flags, segments = self.flags, self.segments
        return {
            "project": project,
            "environment": environment,
            "version": self.version,
            "flags": flags,
            "segments": segments,
        }

    def document_frame(self, client_only: bool) -> bytes:
        cached = self.document_frames.get(client_only)
        if cached is None:
            cached = frame("document", self.version, self.document(client_only))
            self.document_frames[client_only] = cached
        return cached

    def apply(self, update: _Update) -> dict[bool, dict[str, Any]]:
        """Take ``update`` into the document; the patch of each audience."""
        server: dict[str, Any] = {"version": update.version, "flags": {}, "segments": {}}
        client: dict[str, Any] = {"version": update.version, "flags": {}, "segments": {}}
        for key, flag in update.flags.items():
            server["flags"][key] = flag
            if flag is None:
                self.flags.pop(key, None)
            else:
                self.flags[key] = flag
            if flag is not None and flag.get("client_visible"):
                self.client_refs[key] = frozenset(engine.referenced_segments(flag))
                client["flags"][key] = flag
            elif key in self.client_refs:
                del self.client_refs[key]
                client["flags"][key] = None
        for key, segment in update.segments.items():
            server["segments"][key] = segment
            if segment is None:
                self.segments.pop(key, None)
            else:
                self.segments[key] = segment
        used = frozenset().union(*self.client_refs.values())
        for key in used:
            if key in self.segments and (key not in self.client_segments or key in update.segments):
                client["segments"][key] = self.segments[key]
        for key in self.client_segments - used:
            client["segments"][key] = None
        self.client_segments = used
        self.version = update.version
        self.seq = update.seq
        self.document_frames.clear()
        return {False: server, True: client}


@dataclass(frozen=True)
class _Update:
    version: int
    seq: int
    flags: dict[str, Any]
    segments: dict[str, Any]


class ChangeBroadcaster:
    """Run it with ``async with broadcaster.running():`` in the app's lifespan."""

    def __init__(self, store: Store, settings: BroadcastSettings | None = None) -> None:
        self.store = store
        self.settings = settings or BroadcastSettings()
        self._environments: dict[EnvironmentKey, _Environment] = {}
        self._dirty: set[EnvironmentKey] = set()
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    # subscribers ----------------------------------------------------------------

    async def subscribe(
        self, project: str, environment: str, *, client_only: bool, last_version: int | None
    ) -> tuple[Subscription, bytes | None]:
        """A new subscription, and the frame to send first: the whole document, or
        ``None`` when ``last_version`` is the current version."""
        key = (project, environment)
        state = self._environments.get(key)
        if state is None:
            state = self._environments[key] = _Environment(key)
        async with state.lock:
            if not state.loaded:
                try:
                    document, seq = await asyncio.to_thread(self._load, project, environment)
                except BaseException:
                    if not state.subscribers[False] and not state.subscribers[True]:
                        self._environments.pop(key, None)
                    raise
                state.load(document, seq)
            subscription = Subscription(key, client_only, Mailbox(self.settings.queue_size))
            state.subscribers[client_only].add(subscription)
            first = None if last_version == state.version else state.document_frame(client_only)
        return subscription, first

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        state = self._environments.get(subscription.environment)
        if state is None:
            return
        state.subscribers[subscription.client_only].discard(subscription)
        if not state.subscribers[False] and not state.subscribers[True] and not state.lock.locked():
            del self._environments[subscription.environment]

    def subscriber_count(self) -> int:
        return sum(len(s.subscribers[False]) + len(s.subscribers[True]) for s in self._all())

    # running --------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ChangeBroadcaster]:
        self._loop = asyncio.get_running_loop()
        unregister = on_changes_committed(self._on_commit)
        tasks = [
            asyncio.create_task(self._refresh_loop(), name="premiere-broadcast-refresh"),
            asyncio.create_task(self._heartbeat_loop(), name="premiere-broadcast-heartbeat"),
            asyncio.create_task(self._poll_loop(), name="premiere-broadcast-poll"),
        ]
        if self.store.dialect == "postgresql":
            tasks.append(asyncio.create_task(self._listen_loop(), name="premiere-broadcast-listen"))
        try:
            yield self
        finally:
            self._stopping = True
            unregister()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for state in self._all():
                for subscriber in [*state.subscribers[False], *state.subscribers[True]]:
                    self._close(state, subscriber)

    def wake(self, keys: Iterable[EnvironmentKey]) -> None:
        """Look at the feed of these environments soon (call from the event loop)."""
        watched = [k for k in keys if k in self._environments]
        if watched:
            self._dirty.update(watched)
            self._wakeup.set()

    def _on_commit(self, changed: ChangedEnvironments) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed() and self.store.dialect != "postgresql":
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.wake, changed)

    async def _refresh_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            dirty, self._dirty = self._dirty, set()
            for key in dirty:
                try:
                    await self._refresh(key)
                except Exception:
                    log.exception("could not refresh the flag document of %s/%s", *key)

    async def _refresh(self, key: EnvironmentKey) -> None:
        state = self._environments.get(key)
        if state is None:
            return
        async with state.lock:
            if not state.loaded:
                return
            update = await asyncio.to_thread(self._read_update, key, state.version, state.seq)
            if update is None:
                return
            if update.version == state.version:
                state.seq = update.seq
                return
            patches = state.apply(update)
            for client_only, patch in patches.items():
                subscribers = state.subscribers[client_only]
                if subscribers:
                    self._fan_out(state, subscribers, frame("patch", update.version, patch))

    def _fan_out(self, state: _Environment, subscribers: set[Subscription], data: bytes) -> None:
        for subscriber in list(subscribers):
            try:
                subscriber.queue.put_nowait(data)
            except asyncio.QueueFull:
                log.info("an SDK stream of %s/%s fell behind; disconnecting it", *state.key)
                self._close(state, subscriber)

    def _close(self, state: _Environment, subscriber: Subscription) -> None:
        subscriber.closed = True
        state.subscribers[subscriber.client_only].discard(subscriber)
        with contextlib.suppress(asyncio.QueueFull):
            subscriber.queue.put_nowait(_CLOSE)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            for state in self._all():
                self._fan_out(state, state.subscribers[False], HEARTBEAT)
                self._fan_out(state, state.subscribers[True], HEARTBEAT)

    async def _poll_loop(self) -> None:
        postgresql = self.store.dialect == "postgresql"
        interval = self.settings.fallback_poll_seconds if postgresql else self.settings.poll_seconds
        while True:
            await asyncio.sleep(interval)
            if not self._environments:
                continue
            try:
                versions = await asyncio.to_thread(self._read_versions)
            except Exception:
                log.exception("could not poll the flag document versions")
                continue
            self.wake(
                key
                for key, state in list(self._environments.items())
                if state.loaded and versions.get(key, state.version) != state.version
            )

    async def _listen_loop(self) -> None:
        url = self.store.engine.url
        while True:
            try:
                async for payload in listen_for_changes(url):
                    key = (str(payload.get("project")), str(payload.get("environment")))
                    self.wake([key])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("LISTEN for flag changes failed (%s); retrying in 1 s", error)
            await asyncio.sleep(1.0)
            self.wake(list(self._environments))  # anything missed while not listening

    def _all(self) -> list[_Environment]:
        return list(self._environments.values())

    # database reads (in a worker thread) ----------------------------------------

    def _load(self, project: str, environment: str) -> tuple[FlagDocument, int]:
        # Position first: feed rows after it that the document already holds are
        # filtered out by version when they are read.
        with self.store.read() as session:
            seq = latest_feed_position(session, project, environment)
        return build_flag_document(self.store, project, environment), seq

    def _read_versions(self) -> dict[EnvironmentKey, int]:
        with self.store.read() as session:
            return document_versions(session)

    def _read_update(self, key: EnvironmentKey, version: int, seq: int) -> _Update | None:
        project, environment = key
        with self.store.read() as session:
            rows = []
            while True:
                page = changes_since(session, project, environment, seq, _FEED_PAGE)
                rows.extend(page)
                if len(page) < _FEED_PAGE:
                    break
                seq = page[-1].seq
            if not rows:
                return None
            last_seq = rows[-1].seq
            fresh = [row for row in rows if row.document_version > version]
            if not fresh:  # already in the document loaded: only move the position on
                return _Update(version, last_seq, {}, {})
            flag_keys = {row.key for row in fresh if row.kind == "flag"}
            segment_keys = {row.key for row in fresh if row.kind == "segment"}
            return _Update(
                version=max(row.document_version for row in fresh),
                seq=last_seq,
                flags=_document_flags(session, project, environment, flag_keys),
                segments=_document_segments(session, project, segment_keys),
            )


def _document_flags(
    session: Session, project: str, environment: str, keys: set[str]
) -> dict[str, Any]:
    """The live flags among ``keys`` in document form; ``None`` for archived or gone ones."""
    out: dict[str, Any] = dict.fromkeys(keys)
    if not keys:
        return out
    statement = (
        select(Flag, FlagConfig)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .join(Environment, Environment.id == FlagConfig.environment_id)
        .join(Project, Project.id == Flag.project_id)
        .where(
            Project.key == project,
            Environment.key == environment,
            Flag.key.in_(keys),
            Flag.archived.is_(False),
        )
    )
    for flag, config in session.execute(statement):
        out[flag.key] = map_flag_rows_to_document_flag(flag, config)
    return out


def _document_segments(session: Session, project: str, keys: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(keys)
    if not keys:
        return out
    statement = (
        select(Segment)
        .join(Project, Project.id == Segment.project_id)
        .where(Project.key == project, Segment.key.in_(keys))
    )
    for segment in session.scalars(statement):
        out[segment.key] = map_segment_row_to_document_segment(segment)
    return out
