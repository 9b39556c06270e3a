"""Working on the database directly (``serve``, ``demo``, ``worker``, local ``tokens``)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from premiere.cli.exits import CliError, NotFound, error_for
from premiere.errors import PremiereError
from premiere.settings import Settings

if TYPE_CHECKING:
    from premiere.services import Actor
    from premiere.store import Store


def database_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--database",
        "database_url",
        envvar="PREMIERE_DATABASE_URL",
        help="Database URL, e.g. sqlite:///premiere.db or postgresql://user@host/db. "
        "[env: PREMIERE_DATABASE_URL; default: sqlite:///premiere.db]",
    )(func)


def settings_with(database_url: str | None = None, **overrides: object) -> Settings:
    """Settings from PREMIERE_* variables, with the command line's options on top."""
    from dataclasses import replace

    try:
        settings = Settings.from_env()
    except PremiereError as exc:
        raise CliError(f"bad setting: {exc.message}") from None
    changes = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        changes["database_url"] = database_url
    return replace(settings, **changes)  # type: ignore[arg-type]


@contextmanager
def open_store(url: str, *, create: bool = True, missing: str = "") -> Iterator[Store]:
    """The store at ``url`` (migrated), closed afterwards; failures become CLI errors.

    Only ``serve`` and ``demo`` create a database (``create``); every other command
    refuses one that Premiere never initialised (a SQLite file that does not exist, a
    database without Premiere's schema), saying so and then ``missing``: what to do.
    """
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from premiere.store import Store

    try:
        with service_errors():
            if not create:
                _require_sqlite_file(url, missing)
            store = Store.open(url, migrate=create)
            if not create:
                _require_schema(store, url, missing)
    except (ArgumentError, ImportError) as exc:
        raise CliError(f"cannot use database URL {url!r}: {_first_line(exc)}") from None
    except SQLAlchemyError as exc:
        raise CliError(f"cannot open the database {url!r}: {_first_line(exc)}") from None
    try:
        with service_errors():
            yield store
    except SQLAlchemyError as exc:
        raise CliError(f"the database {url!r} failed: {_first_line(exc)}") from None
    finally:
        store.close()


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn the services' errors into CLI errors with the matching exit codes."""
    try:
        yield
    except PremiereError as exc:
        raise error_for(exc.code, exc.message, exc.details) from None


def local_actor() -> Actor:
    """The person at this terminal, as the audit log records them."""
    from premiere.services import Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "local"
    return Actor(kind="user", id=user, name=f"{user} (premiere CLI)")


def _require_sqlite_file(url: str, missing: str) -> None:
    """Connecting to SQLite creates its file: refuse a file that is not there first."""
    from premiere.store.database import normalize_url

    parsed = normalize_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return
    if name.startswith("file:") or Path(name).is_file():
        return
    raise NotFound(
        f"there is no Premiere database at {url} ({Path(name).resolve()} does not exist); "
        f"nothing was created. {missing}".rstrip()
    )


def _require_schema(store: Store, url: str, missing: str) -> None:
    """Refuse a database Premiere never initialised; bring an older one up to date."""
    from premiere.store.migrate import current_revision, upgrade_to_head

    try:
        with store.engine.connect() as connection:
            revision = current_revision(connection)
        if revision is None:
            raise NotFound(
                f"the database {url} holds no Premiere data (no schema); nothing was "
                f"created. {missing}".rstrip()
            )
        upgrade_to_head(store.engine)
    except BaseException:
        store.close()
        raise


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
