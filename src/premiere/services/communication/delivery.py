"""The delivery worker: claims due outbox rows, sends them (an HTTP request to a
webhook, or an email to a subscriber), logs each attempt.

A :class:`Deliverer` runs in a thread of its own with a small pool of senders
(``premiere serve`` and ``premiere worker`` start one), so a slow or failing receiver
holds only a sender, bounded by ``timeout``, and never a release's transaction or
the scheduler's tick. Each pass claims up to ``batch`` due rows with a lease
(store/outbox.py: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so each delivery
is attempted by one replica at a time. A failed attempt is retried after an
exponential backoff with full jitter: a random delay up to 30 s * 3^(n-1), capped at
12 h, for 10 attempts in all; then the delivery is ``failed``.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import smtplib
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select

from premiere.services.communication.mail import Mailer
from premiere.services.communication.signing import signed_request
from premiere.store import Store
from premiere.store.outbox import (
    EmailSubscriber,
    OutboxAttempt,
    OutboxDelivery,
    Webhook,
    claim_due_deliveries,
)

if TYPE_CHECKING:  # loaded at the first attempt: `premiere serve` starts without it
    import httpx

log = logging.getLogger("premiere.webhooks")

Clock = Callable[[], datetime]
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_FACTOR = 3
BACKOFF_CAP = timedelta(hours=12)
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(seconds=60)  # longer than an attempt can take
EXCERPT_MAX = 500


class Answer(NamedTuple):
    status_code: int | None
    excerpt: str
    error: str | None


Sender = Callable[[str, bytes, dict[str, str]], Answer]


def backoff(failures: int, rng: random.Random) -> timedelta:
    """The wait after the ``failures``-th failed attempt: full jitter, up to
    30 s * 3^(failures-1), at most 12 h."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * BACKOFF_FACTOR ** max(0, failures - 1))
    return timedelta(seconds=rng.uniform(0, ceiling.total_seconds()))


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    """Sends the outbox's due deliveries; :meth:`deliver_due` is one pass (tests drive
    it with their own ``clock``), :meth:`start` runs passes in a thread."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = wall_clock,
        send: Sender | None = None,
        workers: int = 4,
        batch: int = 20,
        timeout: float = TIMEOUT_SECONDS,
        rng: random.Random | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.clock = clock
        self.batch = batch
        self.rng = rng or random.Random()
        self.owner = f"{socket.gethostname()[:32]}/{os.getpid()}/{secrets.token_hex(6)}"
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._send = send or self._post
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="premiere-webhook")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self) -> int:
        """Claim the due deliveries, attempt each once (in the pool), wait for them;
        returns how many were attempted."""
        now = self.clock()
        with self.store.write() as session:
            ids = claim_due_deliveries(session, now, now + LEASE, self.owner, self.batch)
        for future in [self._pool.submit(self._attempt, i) for i in ids]:
            future.result()
        return len(ids)

    def start(self, interval: float = 1.0) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="premiere-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_SECONDS + 5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                busy = self.deliver_due() == self.batch
            except Exception:  # a database hiccup: log, wait, try again
                log.exception("webhook deliveries failed; retrying")
                busy = False
            if not busy:
                self._stop.wait(interval)

    def _attempt(self, delivery_id: int) -> None:
        try:
            send = self._prepare(delivery_id)
            if send is None:
                return
            started = time.monotonic()
            answer = send()
            duration_ms = int((time.monotonic() - started) * 1000)
            self._record(delivery_id, answer, duration_ms)
        except Exception:
            log.exception("webhook delivery %s failed", delivery_id)

    def _prepare(self, delivery_id: int) -> Callable[[], Answer] | None:
        """What sends the delivery (None: not ours to send, or its target is gone)."""
        with self.store.read() as session:
            row = session.get(OutboxDelivery, delivery_id)
            if row is None or row.status != "pending" or row.claimed_by != self.owner:
                return None
            if row.subscriber_id is not None:
                subscriber = session.get(EmailSubscriber, row.subscriber_id)
                if subscriber is None:
                    return None
                to, token = subscriber.email, subscriber.token
                message_id, payload = row.message_id, row.payload
                return lambda: self._mail(to, token, message_id, payload)
            webhook = session.get(Webhook, row.webhook_id)
            if webhook is None:
                return None
            keys = [webhook.secret]
            until = webhook.previous_secret_until
            if webhook.previous_secret and until is not None and until > self.clock():
                keys.append(webhook.previous_secret)
            body, headers = signed_request(
                row.message_id, row.payload, webhook.format, keys, wall_clock()
            )
            url = webhook.url
            return lambda: self._send(url, body, headers)

    def _mail(self, to: str, token: str, message_id: str, payload: dict[str, Any]) -> Answer:
        if self.mailer is None:
            return Answer(None, "", "email is not configured (PREMIERE_SMTP_HOST)")
        try:
            self.mailer.send(self.mailer.message(to, token, message_id, payload))
        except (OSError, smtplib.SMTPException) as failure:
            return Answer(None, "", f"{type(failure).__name__}: {failure}"[:EXCERPT_MAX])
        return Answer(250, "sent", None)

    def _record(self, delivery_id: int, answer: Answer, duration_ms: int) -> None:
        now = self.clock()
        with self.store.write() as session:
            row = session.scalar(
                select(OutboxDelivery).where(OutboxDelivery.id == delivery_id).with_for_update()
            )
            if row is None:
                return
            session.add(
                OutboxAttempt(
                    delivery_id=delivery_id, at=now, status_code=answer.status_code,
                    response_excerpt=answer.excerpt, error=answer.error, duration_ms=duration_ms,
                )
            )  # fmt: skip
            row.attempts += 1
            row.claimed_until = None
            row.claimed_by = None
            if answer.error is None and answer.status_code is not None:
                row.status, row.delivered_at = "delivered", now
            elif row.attempts >= row.max_attempts:
                row.status = "failed"
            else:
                row.next_attempt_at = now + backoff(row.attempts, self.rng)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        import httpx

        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as failure:
            return Answer(None, "", f"{type(failure).__name__}: {failure}"[:EXCERPT_MAX])
        problem = None if response.is_success else f"HTTP {response.status_code}"
        return Answer(response.status_code, response.text[:EXCERPT_MAX], problem)
