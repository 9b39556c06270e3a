"""The pattern every console form follows, in one place.

A form handler reads the form (CSRF checked first), calls **the same service function
as the API** and then either redirects (303, post/redirect/get) or, when the service
refuses the input, renders the form again with status 422: each error beside its field
and all of them in a summary at the top, linking to the fields (the GOV.UK pattern).
Service errors carry stable codes and field names (``ValidationError``'s ``details``);
:func:`map_error_to_form` turns them into :class:`FormErrors`, here and nowhere else::

    @router.post("/projects/{project}/flags/new")
    async def create_flag_form(request: Request, project: str, session: FlagCreator) -> Response:
        return await submit_form(
            request,
            session,
            lambda form: create_flag(store_of(request), actor_of(session), project, form),
            success=lambda flag: f"/projects/{project}/flags/{flag['key']}",
            template="flags/new.html",
            context={"project": project},
        )

The template shows ``errors.summary`` with the ``error_summary`` macro and each field
with ``field(..., errors)`` (``templates/macros.html``), and its values from ``form``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import read_form
from premiere.console.pages import page, secure
from premiere.services.people.sessions import SessionInfo

T = TypeVar("T")

FORM_ERRORS = (
    errors.ValidationError,
    errors.AlreadyExistsError,
    errors.VersionConflictError,
    errors.ConflictError,
    errors.InvalidStateError,
    errors.NotFoundError,
    errors.PermissionDeniedError,
)
"""Service errors a person can act on: shown on the form (422) instead of an error page."""


@dataclass
class FormErrors:
    """Messages by form field, and the summary: (field or None, code, message), with
    ``rules``: the rule each summary line broke (``address_refused``), or None."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str | None, str, str]] = field(default_factory=list)
    rules: list[str | None] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.summary)


def map_error_to_form(
    exc: errors.PremiereError, field_names: Mapping[str, str] | None = None
) -> FormErrors:
    """The errors of ``exc`` by form field. A service field (``name``,
    ``rules[0].clauses``) is the form's field of the same name unless ``field_names``
    renames it; an error of no field (a conflict, a state) goes to the summary only."""
    rename = dict(field_names or {})
    found = FormErrors()
    violations = exc.details.get("errors") if isinstance(exc, errors.ValidationError) else None
    for item in violations or [{"field": exc.details.get("field"), "message": exc.message}]:
        name = item.get("field") or None
        form_field = rename.get(name, name) if name else None
        message = str(item.get("message") or exc.message)
        if form_field:
            found.fields.setdefault(form_field, []).append(message)
        found.summary.append((form_field, exc.code, message))
        found.rules.append(str(item["rule"]) if item.get("rule") else None)
    return found


async def submit_form(
    request: Request,
    session: SessionInfo,
    call: Callable[[dict[str, str]], T],
    *,
    success: Callable[[T], str],
    template: str,
    context: Mapping[str, Any] | None = None,
    field_names: Mapping[str, str] | None = None,
) -> Response:
    """Read the form, run ``call(form)`` in a worker thread and redirect to
    ``success(result)``; on an error of :data:`FORM_ERRORS`, render ``template`` again
    with ``form`` and ``errors`` (status 422). Other errors reach the error pages."""
    form = await read_form(request, session)
    try:
        result = await run_in_threadpool(call, form)
    except FORM_ERRORS as exc:
        found = map_error_to_form(exc, field_names)
        return page(
            request, template, {**(context or {}), "form": form, "errors": found}, status=422
        )
    return secure(RedirectResponse(success(result), status_code=303))
