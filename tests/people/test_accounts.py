"""People: invitations, removal, personal tokens and their owner's roles, self-approval
by person, and a removed person's token refused on another replica."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from premiere.errors import (
    AlreadyExistsError,
    AuthenticationError,
    InvitationExpiredError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from premiere.services import SYSTEM, Actor
from premiere.services.flags.definitions import create_flag
from premiere.services.flags.scheduled_changes import (
    create_scheduled_change,
    get_scheduled_change,
)
from premiere.services.people import accounts, invitations, permissions, signin, tokens
from premiere.services.people.sessions import SessionPolicy, resume_session
from premiere.services.people.token_cache import OWNED_TTL, TokenCache, use_token_cache
from premiere.services.releases import approvals, records
from premiere.store import Store
from premiere.store.types import utc_now

PASSWORD = "correct horse battery"


def invite(store: Store, email: str, role: str, project: str | None = "demo") -> Any:
    data = {"email": email, "name": email.split("@")[0].title(), "project": project, "role": role}
    return invitations.invite_person(store, SYSTEM, data, now=utc_now())


def join(store: Store, email: str, role: str, project: str | None = "demo") -> str:
    """Invite ``email`` with ``role``, accept, and return the new person's id."""
    link = invite(store, email, role, project)["link"].removeprefix("/join/")
    started = invitations.accept_invitation(store, link, {"password": PASSWORD}, now=utc_now())
    assert started.info.caller.person is not None
    return started.info.caller.person


def personal_token(store: Store, person: str, **data: Any) -> str:
    body = {"name": "laptop", "scope": "personal", **data}
    return str(tokens.create_token(store, SYSTEM, body, owner=person)["token"])


def test_invitation__accepted__person_with_the_role_signed_in(store: Store, project: str) -> None:
    person = join(store, "Erin@Example.com", "engineer")
    view = accounts.get_person(store, person)
    assert (view["email"], view["name"], view["password"]) == ("erin@example.com", "Erin", True)
    assert view["roles"] == [{"project": "demo", "role": "engineer"}]
    now = utc_now()
    started = signin.sign_in_with_password(
        store, "erin@example.com", PASSWORD, address="10.0.0.1", now=now
    )
    live = resume_session(store, started.raw_id, now=now, policy=SessionPolicy())
    assert live is not None and live.actor == Actor(kind="person", id=person, name="Erin")


def test_invitation__expired_used_or_duplicate__refused(store: Store, project: str) -> None:
    link = invite(store, "late@example.com", "viewer")["link"].removeprefix("/join/")
    later = utc_now() + timedelta(days=8)
    with pytest.raises(InvitationExpiredError):
        invitations.accept_invitation(store, link, {"password": PASSWORD}, now=later)
    join(store, "once@example.com", "viewer")
    with pytest.raises(AlreadyExistsError):
        invite(store, "ONCE@example.com", "viewer")
    used = invite(store, "twice@example.com", "viewer")["link"].removeprefix("/join/")
    invitations.accept_invitation(store, used, {"password": PASSWORD}, now=utc_now())
    with pytest.raises(NotFoundError):
        invitations.accept_invitation(store, used, {"password": PASSWORD}, now=utc_now())
    assert [p["email"] for p in accounts.list_people(store)] == [
        "once@example.com", "twice@example.com"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"email": "x@example.com", "role": "owner"}, "role", "enum"),
        ({"email": "not-an-email", "role": "viewer"}, "email", "email"),
        ({"email": "x@example.com", "role": "viewer", "expires_in_days": 99}, "expires_in_days",
         "range"),
    ],
)  # fmt: skip
def test_invite__bad_input__names_the_field_and_creates_nothing(
    store: Store, project: str, data: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        invitations.invite_person(store, SYSTEM, data, now=utc_now())
    assert (field, rule) in [(v.field, v.rule) for v in raised.value.violations]
    assert invitations.list_invitations(store, now=utc_now()) == []


@pytest.mark.parametrize(
    ("password", "rule"),
    [("", "password_too_short"), ("short", "password_too_short"),
     ("aaaaaaaaaaaaaaaa", "password_weak"), ("password1234", "password_common"),
     ("weak@example.com", "password_weak")],
)  # fmt: skip
def test_accept__weak_password__refused_per_the_policy(
    store: Store, project: str, password: str, rule: str
) -> None:
    link = invite(store, "weak@example.com", "viewer")["link"].removeprefix("/join/")
    with pytest.raises(ValidationError) as raised:
        invitations.accept_invitation(store, link, {"password": password}, now=utc_now())
    assert [(v.field, v.rule) for v in raised.value.violations] == [("password", rule)]
    assert accounts.list_people(store) == []


def test_sign_in__five_failures__blocked_even_with_the_right_password(
    store: Store, project: str
) -> None:
    join(store, "brute@example.com", "viewer")
    now = utc_now()
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            signin.sign_in_with_password(store, "brute@example.com", "guess-guess-1",
                                         address="10.0.0.9", now=now)  # fmt: skip
    with pytest.raises(Exception) as raised:
        signin.sign_in_with_password(store, "brute@example.com", PASSWORD, address="10.0.0.8",
                                     now=now)  # fmt: skip
    assert getattr(raised.value, "code", None) == "rate_limited"
    later = now + timedelta(minutes=16)
    signin.sign_in_with_password(store, "brute@example.com", PASSWORD, address="10.0.0.8",
                                 now=later)  # fmt: skip


def test_personal_token__acts_with_its_owners_role_never_more(store: Store, project: str) -> None:
    person = join(store, "cap@example.com", "release_manager")
    capped = tokens.authenticate(store, personal_token(store, person, role="viewer"))
    assert permissions.role_of(capped.caller, "demo") == "viewer"
    full = tokens.authenticate(store, personal_token(store, person, role="admin"))
    assert permissions.role_of(full.caller, "demo") == "release_manager"
    assert not permissions.allows(full.caller, "settings.manage", "demo")
    assert not permissions.allows(full.caller, "read", "other")


def test_personal_token__expired__refused(store: Store, project: str) -> None:
    person = join(store, "exp@example.com", "viewer")
    raw = personal_token(store, person, expires_in_days=1)
    clock = FakeClock(utc_now() + timedelta(days=2))
    use_token_cache(store, TokenCache(clock=clock.monotonic, wall_clock=clock.now))
    with pytest.raises(AuthenticationError, match="expired"):
        tokens.authenticate(store, raw)


def test_self_approval__same_person_other_token__refused(store: Store, project: str) -> None:
    person = join(store, "rita@example.com", "release_manager")
    create_flag(store, SYSTEM, "demo", {"key": "checkout"})
    first = tokens.authenticate(store, personal_token(store, person)).caller.actor
    second = tokens.authenticate(store, personal_token(store, person)).caller.actor
    data = {
        "key": "r",
        "environment": "staging",
        "features": [{"flag": "checkout", "variation": 0}],
    }
    records.create_release(store, first, "demo", data)
    with pytest.raises(ValidationError) as raised:
        approvals.approve_release(store, second, "demo", "r", {})
    assert [v.rule for v in raised.value.violations] == ["self_approval"]
    other = join(store, "otto@example.com", "release_manager")
    approver = tokens.authenticate(store, personal_token(store, other)).caller.actor
    approved = approvals.approve_release(store, approver, "demo", "r", {})
    assert approved["approver"] == {"kind": "person", "id": other, "name": "Otto"}


def test_remove_person__tokens_sessions_and_scheduled_work_end(store: Store, project: str) -> None:
    person = join(store, "gone@example.com", "release_manager")
    raw = personal_token(store, person)
    actor = tokens.authenticate(store, raw).caller.actor
    started = signin.sign_in_with_password(store, "gone@example.com", PASSWORD, address=None,
                                           now=utc_now())  # fmt: skip
    create_flag(store, SYSTEM, "demo", {"key": "checkout"})
    change = scheduled(store, actor)
    accounts.remove_person(store, SYSTEM, person)
    with pytest.raises(AuthenticationError):
        tokens.authenticate(store, raw)
    policy = SessionPolicy()
    assert resume_session(store, started.raw_id, now=utc_now(), policy=policy) is None
    assert get_scheduled_change(store, "demo", change)["status"] == "cancelled"
    assert accounts.get_person(store, person)["removed_at"] is not None


def test_remove_person__other_replica__refuses_the_token_within_a_second(
    store: Store, project: str
) -> None:
    person = join(store, "replica@example.com", "viewer")
    raw = personal_token(store, person)
    replica = Store.open(store_url(store))
    try:
        clock = FakeClock(utc_now())
        use_token_cache(replica, TokenCache(clock=clock.monotonic, wall_clock=clock.now))
        assert tokens.authenticate(replica, raw).owner is not None  # cached there now
        accounts.remove_person(store, SYSTEM, person)
        clock.advance(OWNED_TTL)
        assert OWNED_TTL < 1.0
        with pytest.raises(AuthenticationError, match="revoked"):
            tokens.authenticate(replica, raw)
    finally:
        replica.close()


def test_sso__unknown_identity__created_only_when_allowed(store: Store, project: str) -> None:
    common: dict[str, Any] = {"issuer": "https://id.example.com", "name": "Sam", "now": utc_now()}
    with pytest.raises(PermissionDeniedError):
        signin.sign_in_with_sso(store, subject="s1", email="sam@example.com", grants=None,
                                create=False, **common)  # fmt: skip
    started = signin.sign_in_with_sso(
        store, subject="s1", email="sam@example.com", grants=[("demo", "engineer")],
        create=True, **common,
    )  # fmt: skip
    assert started.info.caller.grants == (("demo", "engineer"),)
    again = signin.sign_in_with_sso(
        store, subject="s1", email=None, grants=[("demo", "viewer")], create=False, **common
    )
    assert again.info.caller.person == started.info.caller.person
    assert again.info.caller.grants == (("demo", "viewer"),)
    assert accounts.get_person(store, str(again.info.caller.person))["sso"] is True


class FakeClock:
    def __init__(self, wall: datetime) -> None:
        self.seconds, self.wall = 1000.0, wall

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.wall += timedelta(seconds=seconds)


def scheduled(store: Store, actor: Actor) -> int:
    data = {"flag": "checkout", "environment": "staging", "at": "2099-01-01T00:00:00Z",
            "patch": {"on": True}}  # fmt: skip
    return int(create_scheduled_change(store, actor, "demo", data)["id"])


def store_url(store: Store) -> str:
    return str(store.engine.url.render_as_string(hide_password=False))
