"""Who may do what: the one permission table, applied alike by the API, the CLI (a
client of the API) and the console.

Roles form a ladder; each includes the ones below it:

- ``viewer``: reads everything but secrets (tokens, webhook secrets).
- ``engineer``: records deployments and their verification, creates flags, changes
  flags in environments that let engineers (by default every non-production one).
- ``release_manager``: releases (plan, notes, go-to-market checklist, approvals,
  rollout), flag changes in production.
- ``admin``: settings (environments, services, policies, checks, webhooks), tokens;
  with a grant on every project, people and projects too.

A person holds a role per project, or one role on every project (``project`` None),
and acts with the higher of the two. An environment may ask for another role than
its default to change its flags (``flag_role``); a change that reaches every
environment at once (a flag's variations, a segment, archiving) asks for the strictest
role among the project's environments.

Tokens act by their scope: an ``admin`` token as an admin on every project, a
``deploy`` token (a service account's pipeline token) may read and record deployments,
and ``sdk-*`` and ``feed`` tokens nothing here. A ``personal`` token acts with its
owner's role, never more (and at most the role it was made with, if any).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from premiere.errors import PermissionDeniedError
from premiere.services import Actor

VIEWER = "viewer"
ENGINEER = "engineer"
RELEASE_MANAGER = "release_manager"
ADMIN = "admin"
ROLES = (VIEWER, ENGINEER, RELEASE_MANAGER, ADMIN)
RANK = {role: rank for rank, role in enumerate(ROLES)}

READ = "read"
LEDGER = "ledger.read"
"""Reads of what pipelines need: projects, environments, services, deployments, checks."""
DEPLOY = "deployments.record"
FLAGS_CREATE = "flags.create"
FLAGS_CHANGE = "flags.change"
RELEASES = "releases.manage"
APPROVE = "releases.approve"
SETTINGS = "settings.manage"
TOKENS = "tokens.manage"
PEOPLE = "people.manage"
PROJECTS = "projects.create"
ANYONE = "signed_in"
"""Any person or token that may use the admin API (their own account, ``whoami``)."""

TABLE: dict[str, str] = {
    READ: VIEWER,
    LEDGER: VIEWER,
    ANYONE: VIEWER,
    DEPLOY: ENGINEER,
    FLAGS_CREATE: ENGINEER,
    FLAGS_CHANGE: ENGINEER,  # the least; each environment may ask for more
    RELEASES: RELEASE_MANAGER,
    APPROVE: RELEASE_MANAGER,
    SETTINGS: ADMIN,
    TOKENS: ADMIN,
    PEOPLE: ADMIN,
    PROJECTS: ADMIN,
}
"""Each action and the least role that may take it."""

EVERY_PROJECT = frozenset({PEOPLE, PROJECTS, TOKENS})
"""Actions that need the role on every project (a grant without a project)."""

SCOPE_ACTIONS: dict[str, frozenset[str]] = {
    "deploy": frozenset({LEDGER, ANYONE, DEPLOY}),
}
"""What tokens of a fixed scope may do (``admin``: everything; not listed: nothing)."""

PERSONAL = "personal"
SESSION = "session"
BY_ROLE = frozenset({PERSONAL, SESSION})
"""Callers that act by their person's roles."""

Grant = tuple[str | None, str]


@dataclass(frozen=True)
class Caller:
    """Who is asking, as the permission table sees them.

    ``scope``: a token's scope, or ``session`` (the console); ``project``: the project a
    token is bound to; ``grants``: the person's roles (callers ``BY_ROLE``); ``cap``: the
    highest role a personal token was made with; ``actor``: who the audit log names;
    ``person``: the person's id, if a person (self-approval is refused by person).
    """

    scope: str
    actor: Actor
    project: str | None = None
    grants: tuple[Grant, ...] = ()
    cap: str | None = None
    person: str | None = None


def default_flag_role(production: bool) -> str:
    """The role that changes flags in an environment that names none."""
    return RELEASE_MANAGER if production else ENGINEER


def strictest(roles: Iterable[str]) -> str:
    """The highest of ``roles`` (engineer when there are none)."""
    return max(roles, key=RANK.__getitem__, default=ENGINEER)


def role_of(caller: Caller, project: str | None) -> str | None:
    """The role ``caller`` acts with in ``project`` (None: on every project), or None."""
    if caller.scope == "admin":
        return ADMIN
    if caller.scope not in BY_ROLE:
        return None
    held = [role for where, role in caller.grants if where is None or where == project]
    if not held:
        return None
    role = strictest(held)
    if caller.cap is not None and RANK[caller.cap] < RANK[role]:
        return caller.cap
    return role


def projects_of(caller: Caller) -> frozenset[str] | None:
    """The projects ``caller`` may read: None for all of them."""
    if caller.project is not None:
        return frozenset({caller.project})
    if caller.scope in BY_ROLE and not any(where is None for where, _ in caller.grants):
        return frozenset(where for where, _ in caller.grants if where is not None)
    return None


def allows(
    caller: Caller, action: str, project: str | None = None, *, needs: str | None = None
) -> bool:
    """Whether ``caller`` may take ``action`` in ``project``; ``needs`` is the role the
    environment asks of flag changes (:data:`FLAGS_CHANGE`)."""
    if caller.project is not None and project is not None and caller.project != project:
        return False
    if caller.scope in SCOPE_ACTIONS:
        return action in SCOPE_ACTIONS[caller.scope]
    if action == ANYONE and caller.scope in BY_ROLE:
        return True
    where = None if action in EVERY_PROJECT else project
    role = role_of(caller, where)
    least = needs if action == FLAGS_CHANGE and needs is not None else TABLE[action]
    return role is not None and RANK[role] >= RANK[least]


def authorize(
    caller: Caller, action: str, project: str | None = None, *, needs: str | None = None
) -> None:
    """:func:`allows`, or ``PermissionDeniedError`` naming the action and the role it needs."""
    if allows(caller, action, project, needs=needs):
        return
    if caller.project is not None and project is not None and caller.project != project:
        raise PermissionDeniedError(
            f"this token is bound to project {caller.project!r}",
            {"scope": caller.scope, "action": action},
        )
    least = needs if action == FLAGS_CHANGE and needs is not None else TABLE[action]
    if caller.scope not in BY_ROLE and caller.scope != "admin":
        raise PermissionDeniedError(
            f"a token of scope {caller.scope!r} may not {describe(action)}",
            {"scope": caller.scope, "action": action},
        )
    where = "every project" if action in EVERY_PROJECT or project is None else project
    held = role_of(caller, None if action in EVERY_PROJECT else project)
    raise PermissionDeniedError(
        f"to {describe(action)} you need the role {least} on {where}; "
        f"you have {held or 'no role'} there",
        {"action": action, "role_needed": least, "role": held, "project": project},
    )


def describe(action: str) -> str:
    """An action in words, for messages."""
    return {
        READ: "read this project",
        LEDGER: "read this project",
        ANYONE: "use the API",
        DEPLOY: "record deployments",
        FLAGS_CREATE: "create flags",
        FLAGS_CHANGE: "change flags here",
        RELEASES: "manage releases",
        APPROVE: "approve releases",
        SETTINGS: "change settings",
        TOKENS: "manage tokens",
        PEOPLE: "manage people",
        PROJECTS: "create projects",
    }[action]


def check_role(value: object) -> str | None:
    """Why ``value`` is not a role, or None."""
    if value not in ROLES:
        return f"must be one of {', '.join(ROLES)}"
    return None


__all__ = [
    "ADMIN",
    "ENGINEER",
    "RELEASE_MANAGER",
    "ROLES",
    "TABLE",
    "VIEWER",
    "Caller",
    "allows",
    "authorize",
    "default_flag_role",
    "projects_of",
    "role_of",
]
