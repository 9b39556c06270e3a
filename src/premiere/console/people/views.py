"""What the people pages show, and the services' input from their forms.

A form's project is a project key, or empty for every project (a role granted on
every project, an invitation to all of them). Whole numbers of days arrive as text:
one that is not a number is passed on as it is, for the service to refuse by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from premiere import errors
from premiere.console.forms import FormErrors, map_error_to_form
from premiere.services.people import account, accounts, invitations
from premiere.services.people.accounts import GrantView
from premiere.services.people.permissions import ROLES
from premiere.services.projects import list_projects
from premiere.store import Store

EVERY_PROJECT = "every project"
_GRANT_FIELD = re.compile(r"^roles\[\d+\]\.(project|role)$")


def role_options() -> list[tuple[str, str]]:
    return [(role, role.replace("_", " ")) for role in ROLES]


def project_options(store: Store) -> list[tuple[str, str]]:
    """The project choices of a form: every project first (empty), then each one."""
    return [("", "Every project")] + [(item["key"], item["name"]) for item in list_projects(store)]


def describe_roles(roles: Sequence[GrantView]) -> str:
    """``admin on every project; engineer on shop`` (or ``no role``)."""
    if not roles:
        return "no role"
    return "; ".join(
        f"{grant['role'].replace('_', ' ')} on {grant['project'] or EVERY_PROJECT}"
        for grant in roles
    )


def days_of(value: str | None) -> Any:
    """A form's number of days: None when empty, an int when a number, else the text."""
    text = (value or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 6 else text


def build_people(store: Store, *, now: datetime) -> dict[str, Any]:
    """The people page: everyone (not removed), open invitations, the invite form."""
    people = accounts.list_people(store)
    return {
        "people": [person | {"described": describe_roles(person["roles"])} for person in people],
        "invitations": invitations.list_invitations(store, now=now),
        "role_options": role_options(),
        "project_options": project_options(store),
        "form": {"role": "engineer", "expires_in_days": str(invitations.DEFAULT_DAYS)},
        "errors": FormErrors(),
    }


def invitation_data(form: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": form.get("email", ""),
        "name": form.get("name", ""),
        "project": form.get("project") or None,
        "role": form.get("role", ""),
    }
    days = days_of(form.get("expires_in_days"))
    if days is not None:
        data["expires_in_days"] = days
    return data


def build_person(store: Store, person_id: str) -> dict[str, Any]:
    """A person's page: their roles (editable), name, tokens, and the forms' choices."""
    person = accounts.get_person(store, person_id)
    return {
        "person": person,
        "tokens": account.list_owned_tokens(store, person_id),
        "role_options": role_options(),
        "project_options": project_options(store),
        "form": {"name": person["name"], "role": "engineer"},
        "errors": FormErrors(),
    }


def roles_after(
    current: Sequence[GrantView], form: Mapping[str, str], *, remove: bool = False
) -> list[dict[str, Any]]:
    """A person's roles after the form: the role of ``project`` set (added or changed),
    or removed when ``remove``."""
    project = form.get("project") or None
    kept: list[dict[str, Any]] = [
        {"project": grant["project"], "role": grant["role"]}
        for grant in current
        if grant["project"] != project
    ]
    if not remove:
        kept.append({"project": project, "role": form.get("role", "")})
    return kept


def grant_errors(exc: errors.PremiereError) -> FormErrors:
    """The errors of ``set_roles`` at the role form's fields (``roles[2].role``: role)."""
    found = map_error_to_form(exc)
    renamed = FormErrors(rules=found.rules)
    for name, messages in found.fields.items():
        renamed.fields.setdefault(_form_field(name) or name, []).extend(messages)
    for field, code, message in found.summary:
        renamed.summary.append((_form_field(field), code, message))
    return renamed


def _form_field(name: str | None) -> str | None:
    match = _GRANT_FIELD.fullmatch(name or "")
    return match.group(1) if match else name


def build_service_accounts(store: Store) -> dict[str, Any]:
    """Every service account (not removed) with its tokens, and the forms' choices."""
    services = accounts.list_people(store, kind="service")
    return {
        "accounts": [
            item | {"tokens": account.list_owned_tokens(store, item["id"])} for item in services
        ],
        "account_options": [(item["id"], item["name"]) for item in services],
        "project_options": project_options(store),
        "form": {},
        "errors": FormErrors(),
    }


def build_account(store: Store, person_id: str | None) -> dict[str, Any]:
    """My account: the person signed in (None: a token's session, which has no account)."""
    if person_id is None:
        return {"person": None, "tokens": [], "errors": FormErrors(), "form": {}}
    person = accounts.get_person(store, person_id)
    return {
        "person": person | {"described": describe_roles(person["roles"])},
        "tokens": account.list_owned_tokens(store, person_id),
        "cap_options": [("", "My roles (no limit)"), *role_options()],
        "form": {"name": person["name"]},
        "errors": FormErrors(),
    }


def token_data(form: Mapping[str, str], *, personal: bool) -> dict[str, Any]:
    """A new token's input: a name, a role cap (personal) or a project (deploy), days."""
    data: dict[str, Any] = {"name": form.get("token_name", "")}
    if personal:
        data["role"] = form.get("role") or None
    else:
        data["project"] = form.get("project") or None
    days = days_of(form.get("expires_in_days"))
    if days is not None:
        data["expires_in_days"] = days
    return data
