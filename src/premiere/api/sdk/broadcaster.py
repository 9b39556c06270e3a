"""The change broadcaster: one per process, fanning document changes out to SDK streams.

Subscribers are SDK streams of one environment and one audience (``sdk-server``: every
flag; ``sdk-client``: client-visible flags and the segments they use). For every
environment with at least one subscriber the broadcaster keeps that environment's
flag document in memory (:class:`~premiere.services.sdk.patches.EnvironmentDocument`),
with its version and its change-feed position.

When it learns of a change (an in-process signal after a local commit, PostgreSQL
``NOTIFY`` from any replica, or a poll of the document versions), it reads the feed
rows after its position and the changed flags and segments, once, in one snapshot
(:func:`~premiere.services.sdk.updates.read_update`, in a worker thread); takes the
update into the document, which answers one patch per audience; encodes each once,
and puts the same bytes into every subscriber's mailbox. Mailboxes are bounded: a
subscriber whose mailbox is full (a client that stopped reading) is disconnected
instead of slowing the others down.

Frames are complete server-sent events (``bytes``, :mod:`premiere.api.sdk.sse`); the
response only writes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from premiere.api.sdk.mailbox import CLOSE, Mailbox
from premiere.api.sdk.sse import HEARTBEAT, frame
from premiere.services.sdk.patches import EnvironmentDocument, EnvironmentKey
from premiere.services.sdk.updates import (
    load_environment_document,
    read_document_versions,
    read_update,
)
from premiere.store import Store
from premiere.store.notifications import (
    ChangedEnvironments,
    listen_for_changes,
    on_changes_committed,
)

log = logging.getLogger("premiere.broadcast")


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


@dataclass(eq=False)
class Subscription:
    """One SDK stream: read :attr:`queue` until :attr:`closed` (or an empty frame)."""

    environment: EnvironmentKey
    client_only: bool
    queue: Mailbox
    closed: bool = False


@dataclass
class _Channel:
    """An environment's subscribers, and its document as they last saw it (``None``
    until loaded)."""

    key: EnvironmentKey
    state: EnvironmentDocument | None = None
    subscribers: dict[bool, set[Subscription]] = field(
        default_factory=lambda: {False: set(), True: set()}
    )
    document_frames: dict[bool, bytes] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def document_frame(self, state: EnvironmentDocument, client_only: bool) -> bytes:
        """The whole document of one audience as an event (encoded once per version)."""
        cached = self.document_frames.get(client_only)
        if cached is None:
            cached = frame("document", state.version, state.document(client_only))
            self.document_frames[client_only] = cached
        return cached

    def idle(self) -> bool:
        return not self.subscribers[False] and not self.subscribers[True]


class ChangeBroadcaster:
    """Run it with ``async with broadcaster.running():`` in the app's lifespan."""

    def __init__(self, store: Store, settings: BroadcastSettings | None = None) -> None:
        self.store = store
        self.settings = settings or BroadcastSettings()
        self._environments: dict[EnvironmentKey, _Channel] = {}
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
        channel = self._environments.get(key)
        if channel is None:
            channel = self._environments[key] = _Channel(key)
        async with channel.lock:
            state = channel.state
            if state is None:
                try:
                    state = await asyncio.to_thread(load_environment_document, self.store, key)
                except BaseException:
                    if channel.idle():
                        self._environments.pop(key, None)
                    raise
                channel.state = state
                channel.document_frames.clear()
            subscription = Subscription(key, client_only, Mailbox(self.settings.queue_size))
            channel.subscribers[client_only].add(subscription)
            first = None
            if last_version != state.version:
                first = channel.document_frame(state, client_only)
        return subscription, first

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        channel = self._environments.get(subscription.environment)
        if channel is None:
            return
        channel.subscribers[subscription.client_only].discard(subscription)
        if channel.idle() and not channel.lock.locked():
            del self._environments[subscription.environment]

    def subscriber_count(self) -> int:
        return sum(len(c.subscribers[False]) + len(c.subscribers[True]) for c in self._all())

    # running --------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ChangeBroadcaster]:
        self._loop = asyncio.get_running_loop()
        unregister = on_changes_committed(self.store, self._on_commit)
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
            for channel in self._all():
                for subscriber in [*channel.subscribers[False], *channel.subscribers[True]]:
                    self._close(channel, subscriber)

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
        channel = self._environments.get(key)
        if channel is None:
            return
        async with channel.lock:
            state = channel.state
            if state is None:
                return
            update = await asyncio.to_thread(read_update, self.store, key, state.version, state.seq)
            if update is None:
                return
            patches = state.take(update)
            if patches:
                channel.document_frames.clear()
            for client_only, patch in patches.items():
                subscribers = channel.subscribers[client_only]
                if subscribers:
                    self._fan_out(channel, subscribers, frame("patch", update.version, patch))

    def _fan_out(self, channel: _Channel, subscribers: set[Subscription], data: bytes) -> None:
        for subscriber in list(subscribers):
            try:
                subscriber.queue.put_nowait(data)
            except asyncio.QueueFull:
                log.info("an SDK stream of %s/%s fell behind; disconnecting it", *channel.key)
                self._close(channel, subscriber)

    def _close(self, channel: _Channel, subscriber: Subscription) -> None:
        subscriber.closed = True
        channel.subscribers[subscriber.client_only].discard(subscriber)
        with contextlib.suppress(asyncio.QueueFull):
            subscriber.queue.put_nowait(CLOSE)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            for channel in self._all():
                self._fan_out(channel, channel.subscribers[False], HEARTBEAT)
                self._fan_out(channel, channel.subscribers[True], HEARTBEAT)

    async def _poll_loop(self) -> None:
        postgresql = self.store.dialect == "postgresql"
        interval = self.settings.fallback_poll_seconds if postgresql else self.settings.poll_seconds
        while True:
            await asyncio.sleep(interval)
            if not self._environments:
                continue
            try:
                versions = await asyncio.to_thread(read_document_versions, self.store)
            except Exception:
                log.exception("could not poll the flag document versions")
                continue
            self.wake(
                key
                for key, channel in list(self._environments.items())
                if channel.state is not None
                and versions.get(key, channel.state.version) != channel.state.version
            )

    async def _listen_loop(self) -> None:
        url = self.store.engine.url
        while True:
            try:
                async for key in listen_for_changes(url):
                    self.wake([key])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("LISTEN for flag changes failed (%s); retrying in 1 s", error)
            await asyncio.sleep(1.0)
            self.wake(list(self._environments))  # anything missed while not listening

    def _all(self) -> list[_Channel]:
        return list(self._environments.values())
