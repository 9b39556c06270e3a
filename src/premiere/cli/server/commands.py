"""``premiere serve`` and ``premiere demo``."""

from __future__ import annotations

import contextlib
import copy
import gc
import shutil
import socket
import sys
import textwrap
from typing import Any

import click

from premiere.cli.exits import CliError
from premiere.cli.server.demo import DEMO_PROJECT
from premiere.cli.server.local import database_option, open_store, settings_with
from premiere.settings import Settings

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


@click.command()
@click.option("--host", help="Interface to listen on. [env: PREMIERE_HOST; default: 127.0.0.1]")
@click.option("--port", type=int, help="Port to listen on. [env: PREMIERE_PORT; default: 8700]")
@database_option
@click.option("--demo", is_flag=True, help="Create the demo project first (if there is none).")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Do not run the scheduler (schedules, stages, guards) or send webhooks here; "
    "run `premiere worker`.",
)
def serve(
    host: str | None, port: int | None, database_url: str | None, demo: bool, no_scheduler: bool
) -> None:
    """Run the Premiere server (HTTP API and web console) on one database.

    On a database without any token it creates the admin token (or stores
    PREMIERE_ADMIN_TOKEN) and prints it once. Unless --no-scheduler is given it also
    runs the scheduler, which starts, advances and guards releases, and sends the
    outgoing webhooks. Stop the server with Ctrl+C.
    """
    import uvicorn

    from premiere.api.app import create_app
    from premiere.api.insights.metrics import observe_scheduler
    from premiere.api.sdk.stream_limits import connection_capacity
    from premiere.cli.server.demo import seed_demo
    from premiere.cli.server.worker import background_scheduler
    from premiere.console import install_console
    from premiere.errors import PremiereError
    from premiere.services.people.oidc_config import config_from_settings
    from premiere.services.people.tokens import ensure_admin_token
    from premiere.store.types import utc_now

    settings = _reachable_at(settings_with(database_url, host=host, port=port))
    try:
        config_from_settings(settings)  # single sign-on's settings, before anything starts
    except PremiereError as exc:
        raise CliError(f"bad setting: {exc.message}") from None
    if settings.log_level.lower() not in LOG_LEVELS:
        raise CliError(
            f"PREMIERE_LOG_LEVEL={settings.log_level!r} is not one of {', '.join(LOG_LEVELS)}"
        )
    _require_port_free(settings.host, settings.port)
    with open_store(settings.database_url) as store:
        generated = ensure_admin_token(store, settings.admin_token)
        made = seed_demo(store, history_until=utc_now()) if demo else None
        _announce(settings, generated, made, demo)
        app = install_console(create_app(settings, store), settings)
        _apply_stream_settings(app, settings)
        descriptors = _raise_descriptor_limit()
        settle_memory()
        with background_scheduler(store, enabled=not no_scheduler, settings=settings) as ticking:
            if ticking is not None:
                observe_scheduler(app, ticking)  # its ticks in /metrics
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level.lower(),
                # The request log is the app's own (api/sdk/access_log.py): SDK traffic
                # counted and summarised, everything else and every error a line each.
                access_log=False,
                log_config=log_config(settings.log_level.lower()),
                http=_http_protocol(),  # one write per response: cli/server/coalescing.py
                # SDK streams never end by themselves: do not wait for them forever.
                timeout_graceful_shutdown=5,
                # Answer 503 rather than run out of file descriptors (api/sdk/stream_limits.py).
                limit_concurrency=connection_capacity(descriptors) if descriptors else None,
            )


def _http_protocol() -> Any:
    """The coalescing httptools protocol, or uvicorn's choice without httptools."""
    try:
        from premiere.cli.server.coalescing import CoalescingHttpToolsProtocol
    except ImportError:
        return "auto"
    return CoalescingHttpToolsProtocol


GC_THRESHOLDS = (20_000, 50, 100)


def settle_memory() -> None:
    """Keep the garbage collector out of the requests' way: what start-up made (modules,
    the app, the store: hundreds of thousands of objects that live as long as the
    process) is collected once and frozen, so that no collection walks it again, and the
    youngest generation is collected every 20,000 allocations rather than every 700."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, with the ``premiere`` loggers (the request log among them)
    written by its default handler at the server's log level."""
    from uvicorn.config import LOG_LEVELS as UVICORN_LEVELS
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["premiere"] = {
        "handlers": ["default"],
        "level": UVICORN_LEVELS[level],
        "propagate": False,
    }
    return config


def _raise_descriptor_limit() -> int | None:
    """Raise the soft limit on open files to the hard limit (as Go and nginx do: SDK
    streams each hold a connection); the limit now in force, ``None`` when unlimited."""
    from premiere.api.sdk.stream_limits import descriptor_limit

    try:
        import resource
    except ImportError:  # not on Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _MAX_DESCRIPTORS if hard == resource.RLIM_INFINITY else min(hard, _MAX_DESCRIPTORS)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return descriptor_limit()
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return descriptor_limit()


_MAX_DESCRIPTORS = 1_048_576  # Linux's default ceiling (fs.nr_open)


def _apply_stream_settings(app: Any, settings: Settings) -> None:
    """SDK stream heartbeats and limits, and the OFREP limits, from PREMIERE_* settings."""
    from premiere.api.sdk.broadcaster import BroadcastSettings
    from premiere.api.sdk.ofrep import OFREP_SETTINGS, OfrepSettings
    from premiere.api.sdk.stream import BROADCAST_SETTINGS
    from premiere.api.sdk.stream_limits import STREAM_LIMITS, StreamLimits

    heartbeat = BroadcastSettings(heartbeat_seconds=settings.sse_heartbeat_seconds)
    setattr(app.state, BROADCAST_SETTINGS, heartbeat)
    streams = StreamLimits(
        max_per_client=settings.stream_max_per_client, max_total=settings.stream_max_total
    )
    setattr(app.state, STREAM_LIMITS, streams)
    limit = OfrepSettings(
        rate_per_second=settings.ofrep_rate_per_second,
        burst=settings.ofrep_burst,
        max_context_bytes=settings.ofrep_max_context_bytes,
    )
    setattr(app.state, OFREP_SETTINGS, limit)


def _reachable_at(settings: Settings) -> Settings:
    """Without PREMIERE_PUBLIC_URL, the links Premiere hands out (invitations,
    unsubscribing) name the address it listens on, not the default port."""
    import os
    from dataclasses import replace

    if os.environ.get("PREMIERE_PUBLIC_URL"):
        return settings
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host
    host = f"[{host}]" if ":" in host else host
    return replace(settings, public_url=f"http://{host}:{settings.port}")


def _require_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(
                f"cannot listen on {host}:{port}: {exc.strerror}. Is another server running "
                "there? Choose another port with --port or PREMIERE_PORT."
            ) from None


def _announce(
    settings: Settings, generated: str | None, made: dict[str, Any] | None, demo: bool
) -> None:
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{shown_host}:{settings.port}"
    if demo:
        done = "created" if made else "already there"
        _say(f"Demo project '{DEMO_PROJECT}' (Acme Shop): {done}.")
    if generated:
        # Plain lines, never wrapped or boxed, so that they can be copied as they are.
        click.echo(click.style("\nAdmin token (shown only this once; keep it safe):\n", bold=True))
        click.echo(click.style(f"    {generated}\n", fg="green", bold=True))
        click.echo(f"Open the console at {url}/ and sign in with it.")
        click.echo("Or use it from another terminal:\n")
        click.echo(f"    export PREMIERE_URL={url} PREMIERE_TOKEN={generated}")
        if demo:
            click.echo("    premiere flags list\n")
        else:  # a new database: nothing to list yet
            click.echo("    premiere projects create my-project --name 'My project'\n")
            click.echo("Your own project, step by step: docs/own-project.md\n")
    elif settings.admin_token:
        _say(f"Admin token: the one in PREMIERE_ADMIN_TOKEN. Console: {url}/")
    else:
        # Plain lines, never wrapped, so that the command can be copied as it is.
        click.echo("Admin token: printed when this database was first served. Lost it? Run here:")
        click.echo(f"    premiere tokens create --scope admin --database {settings.database_url}")
    _say(f"Premiere {_version()} on {url}  (database: {settings.database_url})")
    sys.stdout.flush()


def _say(text: str) -> None:
    """A line for people, wrapped at spaces as the tables are: to the terminal's width, or
    to 160 columns when stdout is no terminal. Plain text: ``serve`` does not load rich."""
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 160
    click.echo(textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False))


def _version() -> str:
    from premiere import __version__

    return __version__


@click.command()
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print what was created as JSON.")
def demo(database_url: str | None, as_json: bool) -> None:
    """Create the demo project (Acme Shop) in the database, without serving.

    Does nothing when a project named `demo` exists already.
    """
    from rich.text import Text

    from premiere.cli.output import console, emit_json, table
    from premiere.cli.server.demo import seed_demo
    from premiere.store.types import utc_now

    settings = settings_with(database_url)
    with open_store(settings.database_url) as store:
        made = seed_demo(store, history_until=utc_now())
    if as_json:
        emit_json({"created": made is not None, **(made or {})})
        return
    if made is None:
        console().print(Text(f"The demo project '{DEMO_PROJECT}' exists already; nothing to do."))
        return
    console().print(Text(f"Created the demo project '{DEMO_PROJECT}' (Acme Shop) with:"))
    rows = [(name, ", ".join(made[name])) for name in ("environments", "services", "segments")]
    rows += [("flags", ", ".join(made["flags"])), ("archived", ", ".join(made["archived_flags"]))]
    rows += [("deployments", "\n".join(made["deployments"]))]
    rows += [("releases", ", ".join(made["releases"]))]
    table(None, ["created", "keys"], rows)
