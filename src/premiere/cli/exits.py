"""Exit codes and the errors that carry them.

Each expected failure is a :class:`click.ClickException` subclass, so click prints
``Error: <message>`` on stderr and exits with the class's code. The codes are part of
the command's interface and are listed in ``docs/cli.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import click

OK = 0
ERROR = 1
USAGE = 2
NOT_FOUND = 3
CONFLICT = 4
UNREACHABLE = 5
AUTH = 6
BROKEN = 7

EXIT_CODES: list[tuple[int, str]] = [
    (OK, "success"),
    (ERROR, "the server refused the request (e.g. validation failed) or failed"),
    (USAGE, "bad command line: unknown option, malformed JSON, bad rule syntax"),
    (
        NOT_FOUND,
        "a project, environment, service, flag, segment, deployment or token is missing, or "
        "the database a local command names does not exist",
    ),
    (
        CONFLICT,
        "already exists, changed by someone else meanwhile (version conflict), or an invalid "
        "state change (e.g. archiving a flag that is already archived), an expired invitation, "
        "a flag locked by a release that is rolling out, or removing (or taking the role of) "
        "the last admin of every project",
    ),
    (UNREACHABLE, "the server could not be reached (is `premiere serve` running?)"),
    (AUTH, "no token, an unknown or revoked token, or a token whose scope is too narrow"),
    (
        BROKEN,
        "`premiere audit verify`: the audit log does not verify (an event was changed, "
        "removed, inserted or reordered, or an exported head no longer matches)",
    ),
]


class CliError(click.ClickException):
    """A failure reported to the user; ``code`` is the server's error code, if any."""

    exit_code = ERROR

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}

    def format_message(self) -> str:
        first, newline, rest = self.message.partition("\n")
        text = f"{first} [{self.code}]{newline}{rest}" if self.code else self.message
        for problem in self.details.get("errors", []):
            if isinstance(problem, dict):
                where = problem.get("field") or "(request)"
                text += f"\n  {where}: {problem.get('message', '')}"
        return text


class NotFound(CliError):
    exit_code = NOT_FOUND


class Conflict(CliError):
    exit_code = CONFLICT


class Unreachable(CliError):
    exit_code = UNREACHABLE


class AuthFailed(CliError):
    exit_code = AUTH


class AuditBroken(CliError):
    exit_code = BROKEN


class BadUsage(click.UsageError):
    """Bad input on the command line, found after click parsed it (exit code 2)."""


_BY_CODE: dict[str, type[CliError]] = {
    "not_found": NotFound,
    "already_exists": Conflict,
    "version_conflict": Conflict,
    "conflict": Conflict,
    "flag_locked_by_release": Conflict,
    "last_admin": Conflict,
    "invalid_state": Conflict,
    "invitation_expired": Conflict,
    "unauthorized": AuthFailed,
    "forbidden": AuthFailed,
}


def error_for(code: str, message: str, details: dict[str, Any] | None = None) -> CliError:
    """The CLI error for a Premiere error code (from the API or from a service)."""
    return _BY_CODE.get(code, CliError)(message, code=code, details=details)


def in_option_words(
    error: CliError, options: Mapping[str, str], words: Callable[[str], str] = str
) -> CliError:
    """``error`` with each invalid field that an option set named by that option (``options``:
    a pattern of field paths -> the option), its message passed through ``words``."""
    problems = error.details.get("errors")
    if not isinstance(problems, list):
        return error
    renamed, message = [], error.message
    for problem in problems:
        field = str(problem.get("field", "")) if isinstance(problem, dict) else ""
        option = next((o for pattern, o in options.items() if re.search(pattern, field)), None)
        if option is None:
            renamed.append(problem)
            continue
        said = words(str(problem.get("message", "")))
        renamed.append({**problem, "field": option, "message": said})
        if message.startswith(f"{field}: "):
            message = f"{option}: {said}"
    details = {**error.details, "errors": renamed}
    return type(error)(message, code=error.code, details=details)
