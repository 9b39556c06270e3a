"""What the flags pages share: who acts, reading form values, naming the form's fields.

Form values arrive as text; these helpers turn them into the service's input or raise
the same ``ValidationError`` the service would (field named, stable rule), and
:func:`on_fields` renames a service's field paths (``targets[0].values``) to the form's
field that holds them, so the message shows beside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from premiere.errors import ValidationError, Violation
from premiere.services import Actor
from premiere.services.people.sessions import SessionInfo

T = TypeVar("T")
MAX_VALUE_CHARS = 10_000


def actor_of(session: SessionInfo) -> Actor:
    """The audit log's actor for a change made in the console: the signed-in person or token."""
    return session.actor


def flag_url(project: str, key: str, environment: str | None = None) -> str:
    url = f"/projects/{quote(project, safe='')}/flags/{quote(key, safe='')}"
    return url + (f"?environment={quote(environment, safe='')}" if environment else "")


def text(form: Mapping[str, str], name: str, *, required: bool = True) -> str:
    value = form.get(name, "").strip()
    if required and not value:
        raise ValidationError.single(name, "required", "enter a value")
    if len(value) > MAX_VALUE_CHARS:
        raise ValidationError.single(name, "max_length", f"at most {MAX_VALUE_CHARS} characters")
    return value


def integer(form: Mapping[str, str], name: str, *, required: bool = True) -> int | None:
    value = text(form, name, required=required)
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationError.single(name, "type", "must be a whole number")
    return int(value)


def version(form: Mapping[str, str]) -> int:
    found = integer(form, "version")
    assert found is not None
    return found


def percent(form: Mapping[str, str], name: str) -> float:
    value = text(form, name, required=False) or "0"
    try:
        number = float(value)
    except ValueError:
        raise ValidationError.single(name, "type", "must be a number of percent") from None
    if not 0 <= number <= 100:
        raise ValidationError.single(name, "range", "must be between 0 and 100")
    return number


def keys(value: str) -> list[str]:
    """Keys separated by commas, spaces or new lines, each once, in order."""
    return list(dict.fromkeys(value.replace(",", " ").split()))


def variation_values(kind: str, value: str) -> list[dict[str, Any]]:
    """One variation per non-empty line: a string kind takes the line as it is, the
    others read it as JSON (a line that is not JSON stays text, for the service to
    refuse with the kind's rule)."""
    found = []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        if kind == "string":
            found.append({"value": line})
            continue
        try:
            found.append({"value": json.loads(line)})
        except ValueError:
            found.append({"value": line})
    return found


def on_fields(call: Callable[[], T], form_fields: Sequence[str], default: str) -> T:
    """``call()``, its ``ValidationError`` renamed: each violation's field becomes the
    first of ``form_fields`` it starts with, else ``default``."""
    try:
        return call()
    except ValidationError as exc:
        raise ValidationError(
            Violation(_form_field(v.field, form_fields, default), v.rule, v.message)
            for v in exc.violations
        ) from None


def _form_field(field: str, form_fields: Sequence[str], default: str) -> str:
    for name in form_fields:
        if field == name or field.startswith((name + ".", name + "[")):
            return name
    return default
