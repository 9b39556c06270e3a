"""Real answers of the people routes, per response model, for tests/api/test_views.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from premiere.services.people import (
    accounts,
    invitations,
    own_account,
    service_accounts,
    tokens,
)

from .views_world import ACTOR, PROJECT, World

PASSWORD = "a long enough passphrase"


def _people(w: World) -> dict[str, Any]:
    """A person who joined (with a personal token), a service account with a deploy
    token, an open and an expired invitation, a password change."""
    if "_people" in w.answers:
        return w.answers["_people"][0]  # type: ignore[no-any-return]
    now = datetime.now(UTC)
    invited = invitations.invite_person(
        w.store, ACTOR, {"email": "ada@example.com", "role": "engineer", "project": PROJECT},
        now=now,
    )  # fmt: skip
    joined = invitations.join_with_token(
        w.store, invited["link"], {"name": "Ada", "password": PASSWORD}, now=now, token_name="cli"
    )
    info = tokens.authenticate(w.store, joined["token"])
    other = own_account.create_personal_token(w.store, info, {"name": "ci", "role": "viewer"})
    account = accounts.create_service_account(w.store, ACTOR, {"name": "pipeline"})
    deploy = service_accounts.create_service_token(
        w.store, ACTOR, account["id"], {"name": "ci", "project": PROJECT}
    )
    expired = invitations.invite_person(
        w.store, ACTOR, {"email": "bob@example.com", "role": "viewer"}, now=now - timedelta(days=9)
    )
    changed = own_account.change_password(
        w.store, info, {"current": PASSWORD, "new": "another long passphrase"}, address=None,
        now=now,
    )  # fmt: skip
    made = {
        "info": info, "joined": joined, "other": other, "account": account, "deploy": deploy,
        "invited": invited, "expired": expired, "changed": changed, "now": now,
    }  # fmt: skip
    w.answers["_people"] = [made]
    return made


def _person_views(w: World) -> list[Any]:
    made = _people(w)
    person = made["info"].owner.id
    roles = [{"project": PROJECT, "role": "release_manager"}, {"project": None, "role": "viewer"}]
    return [
        *accounts.list_people(w.store),
        accounts.get_person(w.store, person),
        accounts.set_roles(w.store, ACTOR, person, roles),
        accounts.rename_person(w.store, ACTOR, person, {"name": "Ada L."}),
        made["account"],
        *service_accounts.list_service_accounts(w.store),
    ]


def _removed_views(w: World) -> list[Any]:
    account = accounts.create_service_account(w.store, ACTOR, {"name": "gone"})
    return [service_accounts.remove_service_account(w.store, ACTOR, account["id"])]


def _invitation_views(w: World) -> list[Any]:
    made = _people(w)
    extra = invitations.invite_person(
        w.store, ACTOR, {"email": "cy@example.com", "role": "viewer"}, now=made["now"]
    )
    revoked = invitations.revoke_invitation(w.store, ACTOR, extra["id"], now=made["now"])
    return [*invitations.list_invitations(w.store, now=made["now"]), revoked]


PEOPLE_SERVED = {
    "MeView": lambda w: [
        own_account.describe_caller(w.store, _people(w)["info"]),
        own_account.describe_caller(
            w.store, tokens.authenticate(w.store, _people(w)["deploy"]["token"])
        ),
        _http_me(w),
    ],
    "PersonView": lambda w: [*_person_views(w), *_removed_views(w)],
    "InvitationView": _invitation_views,
    "InvitationCreated": lambda w: [_people(w)["invited"], _people(w)["expired"]],
    "PasswordChanged": lambda w: [_people(w)["changed"]],
}


def _http_me(w: World) -> Any:
    answer = w.api.request("GET", "/api/v1/me")
    assert answer.status_code == 200, answer.text
    return answer.json()


def token_views(w: World) -> list[Any]:
    """Personal and service account tokens, as listed (TokenView)."""
    made = _people(w)
    return [
        *own_account.list_personal_tokens(w.store, made["info"]),
        *service_accounts.list_service_tokens(w.store, made["account"]["id"]),
    ]


def tokens_created(w: World) -> list[Any]:
    made = _people(w)
    return [made["joined"], made["other"], made["deploy"]]
