"""The ``premiere`` console script: the CLI, or one line saying it needs the server extras.

The base install (``pip install premiere``) is the SDK alone; the command needs
``premiere[server]`` (click, rich, the store). The command group and each command's
modules are imported when they run, so a missing extra, found by whichever command
needs it, ends with a message instead of a traceback.
"""

from __future__ import annotations

import sys

SERVER_EXTRAS = frozenset(
    {
        "alembic",
        "click",
        "fastapi",
        "limits",
        "psycopg",
        "pydantic",
        "rich",
        "sqlalchemy",
        "starlette",
        "uvicorn",
    }
)
"""Top-level modules of the ``server`` extra (pyproject.toml); a missing one means the
extra is not installed. Any other missing module is a real error and is raised."""

MISSING_EXTRAS = (
    "premiere: the command needs the server extras (missing module {name!r}); "
    "install them with: pip install 'premiere[server]'"
)


def main() -> None:
    try:
        from premiere.cli.main import main as cli_main

        cli_main()  # imports each command's modules when it runs
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in SERVER_EXTRAS:
            raise
        print(MISSING_EXTRAS.format(name=error.name), file=sys.stderr)
        sys.exit(1)
