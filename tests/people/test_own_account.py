"""A person's own account through the services: joining from the CLI, personal tokens,
password changes; service accounts' tokens; environments' flag role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from premiere.errors import (
    AuthenticationError,
    InvitationExpiredError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from premiere.services import Actor
from premiere.services.environments import create_environment, update_environment
from premiere.services.people import (
    accounts,
    invitations,
    own_account,
    service_accounts,
    sessions,
    signin,
    tokens,
)
from premiere.services.projects import create_project
from premiere.store import Store

ADMIN = Actor(kind="user", id="u-1", name="Ada")
PASSWORD = "a long enough passphrase"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def join(store: Store, email: str = "bo@example.com", role: str = "engineer") -> str:
    """A person who joined by invitation from the CLI; their raw personal token."""
    made = invitations.invite_person(store, ADMIN, {"email": email, "role": role}, now=NOW)
    link = f"https://premiere.example.com{made['link']}"
    joined = invitations.join_with_token(
        store, link, {"name": "Bo", "password": PASSWORD}, now=NOW, token_name="laptop"
    )
    return str(joined["token"])


def rules(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in error.value.violations]


def test_join_with_token__whole_url__a_personal_token_of_the_new_person(store: Store) -> None:
    info = tokens.authenticate(store, join(store))

    me = own_account.describe_caller(store, info)

    assert (me["kind"], me["email"], me["scope"], me["role"]) == (
        "person", "bo@example.com", "personal", "engineer",
    )  # fmt: skip


def test_join_with_token__expired__invitation_expired_nobody_joins(store: Store) -> None:
    made = invitations.invite_person(
        store, ADMIN, {"email": "bo@example.com", "role": "viewer"}, now=NOW
    )
    later = NOW + timedelta(days=8)

    with pytest.raises(InvitationExpiredError):
        invitations.join_with_token(
            store, made["link"], {"name": "Bo", "password": PASSWORD}, now=later, token_name="x"
        )
    assert accounts.list_people(store) == []


def test_change_password__other_sessions_and_tokens_end(store: Store) -> None:
    raw = join(store)
    info = tokens.authenticate(store, raw)
    other = signin.log_in(store, "bo@example.com", PASSWORD, address=None, now=NOW, name="x")
    started = signin.sign_in_with_password(store, "bo@example.com", PASSWORD, address=None, now=NOW)
    new = {"current": PASSWORD, "new": "another long passphrase"}

    changed = own_account.change_password(store, info, new, address=None, now=NOW)

    assert changed["tokens_revoked"] == [other["id"]]
    with pytest.raises(AuthenticationError):
        tokens.authenticate(store, other["token"])
    assert tokens.authenticate(store, raw).id == info.id
    policy = sessions.SessionPolicy()
    assert sessions.resume_session(store, started.raw_id, now=NOW, policy=policy) is None


def test_change_password__wrong_current_five_times__throttled(store: Store) -> None:
    info = tokens.authenticate(store, join(store))
    wrong = {"current": "not the passphrase", "new": "another long passphrase"}
    for _ in range(5):
        with pytest.raises(ValidationError) as error:
            own_account.change_password(store, info, wrong, address=None, now=NOW)
        assert rules(error) == [("current", "password_incorrect")]

    right = {"current": PASSWORD, "new": "another long passphrase"}
    with pytest.raises(RateLimitedError):
        own_account.change_password(store, info, right, address=None, now=NOW)


def test_personal_token__admin_token_of_nobody__permission_denied(store: Store) -> None:
    raw = tokens.ensure_admin_token(store, None)
    assert raw is not None

    with pytest.raises(PermissionDeniedError) as error:
        own_account.create_personal_token(store, tokens.authenticate(store, raw), {"name": "x"})
    assert error.value.details["reason"] == "not_a_person"


def test_personal_token__default__90_days_capped_like_its_maker(store: Store) -> None:
    info = tokens.authenticate(store, join(store, role="admin"))
    capped = own_account.create_personal_token(store, info, {"name": "ro", "role": "viewer"})
    capped_info = tokens.authenticate(store, capped["token"])

    made = own_account.create_personal_token(store, capped_info, {"name": "next"})

    assert made["role"] == "viewer"
    assert made["expires_at"] is not None
    with pytest.raises(ValidationError) as error:
        own_account.create_personal_token(store, capped_info, {"name": "up", "role": "admin"})
    assert rules(error) == [("role", "not_allowed")]


def test_revoke_personal_token__another_persons__not_found(store: Store) -> None:
    bo = tokens.authenticate(store, join(store))
    cy = tokens.authenticate(store, join(store, "cy@example.com"))

    with pytest.raises(NotFoundError):
        own_account.revoke_personal_token(store, cy, bo.id)
    assert own_account.list_personal_tokens(store, bo)[0]["revoked_at"] is None


def test_service_token__owned_deploy_token__refused_once_removed(store: Store) -> None:
    create_project(store, ADMIN, {"key": "shop"})
    account = accounts.create_service_account(store, ADMIN, {"name": "pipeline"})
    made = service_accounts.create_service_token(
        store, ADMIN, account["id"], {"name": "ci", "project": "shop"}
    )

    info = tokens.authenticate(store, made["token"])
    service_accounts.remove_service_account(store, ADMIN, account["id"])

    assert (info.scope, info.owner and info.owner.kind) == ("deploy", "service")
    with pytest.raises(AuthenticationError):
        tokens.authenticate(store, made["token"])


def test_set_roles__cached_token__answers_with_the_new_roles_at_once(store: Store) -> None:
    raw = join(store)
    info = tokens.authenticate(store, raw)
    assert info.owner is not None

    accounts.set_roles(store, ADMIN, info.owner.id, [{"project": None, "role": "viewer"}])

    assert tokens.authenticate(store, raw).grants == ((None, "viewer"),)


def test_environment_flag_role__validated_and_kept(store: Store) -> None:
    create_project(store, ADMIN, {"key": "shop"})
    made = create_environment(store, ADMIN, "shop", {"key": "prod", "flag_role": "admin"})

    with pytest.raises(ValidationError) as error:
        update_environment(store, ADMIN, "shop", "prod", {"flag_role": "owner"}, made["version"])
    reset = update_environment(store, ADMIN, "shop", "prod", {"flag_role": None}, made["version"])

    assert rules(error) == [("flag_role", "enum")]
    assert (made["flag_role"], reset["flag_role"]) == ("admin", None)
