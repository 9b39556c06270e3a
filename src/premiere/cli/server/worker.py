"""``premiere worker``: the scheduler alone, and the scheduler inside ``premiere serve``."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING

import click

from premiere.cli.exits import CliError
from premiere.cli.server.local import database_option, open_store, settings_with
from premiere.settings import Settings

if TYPE_CHECKING:  # the scheduler and the store load only when a scheduler runs
    from premiere.scheduler import Scheduler
    from premiere.store import Store

INTERVAL_VARIABLE = "PREMIERE_SCHEDULER_INTERVAL"
DEFAULT_INTERVAL = 1.0


@click.command()
@database_option
@click.option(
    "--interval",
    type=float,
    envvar=INTERVAL_VARIABLE,
    default=DEFAULT_INTERVAL,
    show_default=True,
    help=f"Seconds between ticks. [env: {INTERVAL_VARIABLE}]",
)
def worker(database_url: str | None, interval: float) -> None:
    """Run the scheduler, send webhooks, finish verification checks left in flight.

    The scheduler applies due scheduled changes, release starts, stage advances and
    guards. Deployments left verifying whose checks nobody runs (the API replica that
    ran them is gone) have their checks run here; each runs once, wherever claimed.
    Outgoing webhooks are sent from the outbox here too, each delivery by one worker.

    `premiere serve` runs one itself unless started with --no-scheduler; run workers
    for larger setups. Any number may run against one database: one leads at a time
    (on PostgreSQL an advisory lock), the others wait to take over. Stop with Ctrl+C.
    """
    if interval <= 0:
        raise CliError(f"--interval must be positive, not {interval}")
    settings = settings_with(database_url)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    missing = "Start `premiere serve` on it first (it creates the database), or name the "
    missing += "server's database with --database or PREMIERE_DATABASE_URL."
    with open_store(settings.database_url, create=False, missing=missing) as store:
        click.echo(f"Premiere scheduler on {settings.database_url}, every {interval:g} s")
        run_worker(store, settings, interval, stop)
    click.echo("Scheduler stopped.")


def run_worker(store: Store, settings: Settings, interval: float, stop: threading.Event) -> None:
    """The scheduler until ``stop``, with a verifier that takes up the checks of
    deployments left verifying whose claim ran out (as every API replica does), so
    they finish even with no API replica up."""
    from premiere.services.communication.delivery import Deliverer
    from premiere.services.communication.mail import Mailer
    from premiere.services.deployments.probes import CheckLimits
    from premiere.services.deployments.verification import Verifier

    verifier = Verifier(store, limits=CheckLimits.from_settings(settings))
    deliverer = Deliverer(store, mailer=Mailer.from_settings(settings))
    try:
        verifier.resume()
        deliverer.start()
        new_scheduler(store, settings, interval).run(stop)
    finally:
        deliverer.stop()
        verifier.close()


def new_scheduler(store: Store, settings: Settings, interval: float) -> Scheduler:
    """A scheduler ticking every ``interval`` seconds, pruning as ``settings`` say."""
    from premiere.scheduler import Scheduler

    return Scheduler(
        store,
        interval=interval,
        event_retention=timedelta(days=settings.events_retention_days),
        delivery_retention=timedelta(days=settings.webhook_delivery_retention_days),
    )


@contextmanager
def background_scheduler(
    store: Store, *, enabled: bool = True, settings: Settings | None = None
) -> Iterator[Scheduler | None]:
    """The scheduler and the webhooks' deliverer in daemon threads while the block
    runs (``premiere serve``)."""
    if not enabled:
        yield None
        return
    from premiere.services.communication.delivery import Deliverer
    from premiere.services.communication.mail import Mailer

    settings = settings or Settings()
    scheduler = new_scheduler(store, settings, scheduler_interval())
    deliverer = Deliverer(store, mailer=Mailer.from_settings(settings))
    scheduler.start()
    deliverer.start()
    try:
        yield scheduler
    finally:
        deliverer.stop()
        scheduler.stop()


def scheduler_interval() -> float:
    raw = os.environ.get(INTERVAL_VARIABLE)
    try:
        value = float(raw) if raw else DEFAULT_INTERVAL
    except ValueError:
        raise CliError(f"{INTERVAL_VARIABLE}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise CliError(f"{INTERVAL_VARIABLE} must be positive")
    return value
