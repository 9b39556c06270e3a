"""The rule editor of a flag in one environment:
``/projects/<project>/flags/<flag>/environments/<environment>/rules``.

The form holds the whole list of rules. Its edit buttons (add, delete, move a rule; add,
delete a clause) post it back and render it again, changed and not yet saved; **Save**
sends the list through ``update_flag_config`` (as ``PATCH`` of the API does), with the
configuration's version. A refusal shows each error beside its field; a stale version
shows the current rules beside what was typed, which is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import FlagChanger, actor_of, read_form, store_of
from premiere.console.flags.rule_forms import (
    OPERATOR_LABELS,
    Draft,
    apply_edit,
    drafts_from_form,
    drafts_from_rules,
    form_field,
    known_fields,
    rules_from_drafts,
)
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import frame, page, secure
from premiere.services.flags.configs import get_flag_config, update_flag_config
from premiere.services.flags.definitions import get_flag
from premiere.services.flags.segments import list_segments
from premiere.services.releases.locks import list_flag_locks
from premiere.store import Store

router = APIRouter(include_in_schema=False)

REFUSED = (*FORM_ERRORS, errors.VersionRequiredError)

PATH = "/projects/{project}/flags/{flag}/environments/{environment}/rules"


@router.get(PATH)
async def rule_editor(
    request: Request, project: str, flag: str, environment: str, session: FlagChanger
) -> Response:
    view = await run_in_threadpool(load_editor, store_of(request), project, flag, environment)
    view["drafts"] = drafts_from_rules(view["config"]["rules"], len(view["flag"]["variations"]))
    view["version"] = view["config"]["version"]
    return page(request, "flags/rules.html", view)


@router.post(PATH)
async def save_rules(
    request: Request, project: str, flag: str, environment: str, session: FlagChanger
) -> Response:
    form = await read_form(request, session)
    store = store_of(request)
    view = await run_in_threadpool(load_editor, store, project, flag, environment)
    count = len(view["flag"]["variations"])
    drafts = drafts_from_form(form, count)
    view["version"] = form.get("version", "")
    edited = apply_edit(drafts, form.get("action", "save"), count)
    if edited is not None:
        return page(request, "flags/rules.html", {**view, "drafts": edited, "unsaved": True})
    data = {"rules": rules_from_drafts(drafts, serves=True)}

    def save() -> Any:
        return update_flag_config(
            store, actor_of(session), project, flag, environment, data,
            _version(form), partial=True,
        )  # fmt: skip

    try:
        await run_in_threadpool(save)
    except REFUSED as exc:
        view.update(drafts=drafts, unsaved=True, errors=errors_of(exc, drafts, count))
        if isinstance(exc, errors.VersionConflictError):
            view["current"] = view["config"]["rules"]
            view["version"] = view["config"]["version"]
        return page(request, "flags/rules.html", view, status=422)
    target = PATH.format(
        project=quote(project, safe=""), flag=quote(flag, safe=""),
        environment=quote(environment, safe=""),
    )  # fmt: skip
    return secure(RedirectResponse(f"{target}?saved=1", status_code=303))


def load_editor(store: Store, project: str, flag: str, environment: str) -> dict[str, Any]:
    """The flag, its configuration in ``environment`` and the project's segments."""
    return {
        **frame(store, project, "flags"),
        "flag": get_flag(store, project, flag),
        "environment": environment,
        "config": get_flag_config(store, project, flag, environment),
        "segments": [segment["key"] for segment in list_segments(store, project)],
        "operators": OPERATOR_LABELS,
        "locked_by": _locked_by(store, project, flag, environment),
    }


def _locked_by(store: Store, project: str, flag: str, environment: str) -> dict[str, str] | None:
    """The release in flight that locks the flag in ``environment``, as the page shows it."""
    lock = list_flag_locks(store, project, flag).get(environment)
    if lock is None:
        return None
    return {"key": lock["release"], "name": lock["name"], "state": lock["state"]}


def errors_of(exc: errors.PremiereError, drafts: Sequence[Draft], variations: int) -> FormErrors:
    """The service's errors by form field (``rules[1].clauses[0].values`` is the field
    ``rules-1-clauses-0-values``; an error of no field shows in the summary)."""
    known = known_fields(drafts, variations)
    violations = exc.details.get("errors") if isinstance(exc, errors.ValidationError) else None
    paths = [str(v.get("field") or "") for v in violations or [] if isinstance(v, Mapping)]
    rename = {path: form_field(path, known) or "rules" for path in paths if path}
    return map_error_to_form(exc, rename)


def _version(form: Mapping[str, str]) -> int | None:
    """The version the form was made from; text that is none is refused by the service
    as a missing version would be."""
    text = form.get("version", "")
    return int(text) if text.isdigit() and len(text) < 19 else None
