"""The caller's own account over HTTP: /me, personal tokens, the password, /login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from premiere.services.people import sessions
from premiere.services.people.signin import sign_in_with_password
from premiere.store.models import ConsoleSession

from .people import PASSWORD, join, log_in, rule_of
from .support import Api

NEW_PASSWORD = "another long passphrase"


def test_me__admin_token__names_the_token_and_its_scope(api: Api) -> None:
    me = api.ok(api.get("/api/v1/me"))

    assert (me["kind"], me["scope"], me["role"], me["email"]) == ("token", "admin", "admin", None)


def test_me__personal_token__names_the_person_and_roles(demo: Api) -> None:
    token = join(demo, "ada@example.com", "engineer", "demo")

    me = demo.ok(demo.request("GET", "/api/v1/me", token))

    assert (me["kind"], me["email"], me["scope"], me["role"]) == (
        "person", "ada@example.com", "personal", "engineer",
    )  # fmt: skip
    assert me["roles"] == [{"project": "demo", "role": "engineer"}]


def test_me__sdk_token__403(demo: Api) -> None:
    sdk = demo.token("sdk-server", "demo", "production")

    assert demo.request("GET", "/api/v1/me", sdk).status_code == 403


def test_login__right_password__personal_token_of_90_days(api: Api) -> None:
    join(api, "ada@example.com", "viewer")

    made = api.ok(log_in(api, "Ada@Example.com", name="laptop"), 201)

    assert (made["scope"], made["name"], made["owner"] is not None) == ("personal", "laptop", True)
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert api.ok(api.request("GET", "/api/v1/me", made["token"]))["email"] == "ada@example.com"


@pytest.mark.parametrize("password", ["wrong passphrase!", ""])
def test_login__wrong_or_empty_password__401(api: Api, password: str) -> None:
    join(api, "ada@example.com", "viewer")

    answer = log_in(api, "ada@example.com", password)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_login__five_failures__429_even_with_the_right_password(api: Api) -> None:
    join(api, "ada@example.com", "viewer")
    failures = [log_in(api, "ada@example.com", "wrong passphrase!").status_code for _ in range(5)]

    blocked = log_in(api, "ada@example.com")

    assert failures == [401] * 5
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0


def test_personal_token__role_cap__never_more_than_the_cap(demo: Api) -> None:
    token = join(demo, "ada@example.com", "admin")
    capped = demo.ok(demo.request("POST", "/api/v1/me/tokens", token,
                                  json={"name": "read only", "role": "viewer"}), 201)  # fmt: skip

    refused = demo.request("POST", "/api/v1/projects", capped["token"], json={"key": "other"})

    assert refused.status_code == 403
    assert demo.ok(demo.request("GET", "/api/v1/me", capped["token"]))["role"] == "viewer"
    assert demo.request("GET", "/api/v1/projects/demo", capped["token"]).status_code == 200


def test_personal_token__made_by_a_capped_token__capped_as_much(demo: Api) -> None:
    token = join(demo, "ada@example.com", "admin")
    body = {"name": "read only", "role": "viewer"}
    capped = demo.ok(demo.request("POST", "/api/v1/me/tokens", token, json=body), 201)["token"]

    higher = demo.request("POST", "/api/v1/me/tokens", capped, json={"name": "x", "role": "admin"})
    unnamed = demo.ok(demo.request("POST", "/api/v1/me/tokens", capped, json={"name": "y"}), 201)

    assert rule_of(higher) == [("role", "not_allowed")]
    assert unnamed["role"] == "viewer"


def test_personal_token__owner_role_lowered__follows_at_once(demo: Api) -> None:
    token = join(demo, "ada@example.com", "engineer", "demo")
    person = demo.ok(demo.request("GET", "/api/v1/me", token))["id"]
    flag = {"key": "before"}
    assert demo.request("POST", "/api/v1/projects/demo/flags", token, json=flag).status_code == 201

    roles = {"roles": [{"project": "demo", "role": "viewer"}]}
    demo.ok(demo.put(f"/api/v1/people/{person}/roles", roles))

    after = demo.request("POST", "/api/v1/projects/demo/flags", token, json={"key": "after"})
    assert after.status_code == 403
    assert after.json()["error"]["details"]["role_needed"] == "engineer"


def test_me_tokens__list_and_revoke__only_my_own(demo: Api) -> None:
    ada = join(demo, "ada@example.com", "viewer")
    bob = join(demo, "bob@example.com", "viewer")
    made = demo.ok(demo.request("POST", "/api/v1/me/tokens", ada, json={"name": "ci"}), 201)

    listed = demo.ok(demo.request("GET", "/api/v1/me/tokens", ada))
    others = demo.request("DELETE", f"/api/v1/me/tokens/{made['id']}", bob)
    revoked = demo.ok(demo.request("DELETE", f"/api/v1/me/tokens/{made['id']}", ada))

    assert "ci" in [t["name"] for t in listed] and all("token" not in t for t in listed)
    assert others.status_code == 404
    assert revoked["revoked_at"] is not None
    assert demo.request("GET", "/api/v1/me", made["token"]).status_code == 401


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x", "expires_in_days": 0},
                                  {"name": "x", "role": "owner"}])  # fmt: skip
def test_me_tokens__bad_input__422(demo: Api, body: dict[str, object]) -> None:
    token = join(demo, "ada@example.com", "viewer")

    assert demo.request("POST", "/api/v1/me/tokens", token, json=body).status_code == 422


def test_me_tokens__admin_token__403_with_a_clear_message(api: Api) -> None:
    answer = api.post("/api/v1/me/tokens", {"name": "mine"})

    assert answer.status_code == 403
    assert "personal token" in answer.json()["error"]["message"]


def test_password__changed__other_sessions_and_tokens_end_this_one_stays(demo: Api) -> None:
    token = join(demo, "ada@example.com", "viewer")
    other = demo.ok(log_in(demo, "ada@example.com"), 201)["token"]
    now = datetime.now(UTC)
    started = sign_in_with_password(demo.store, "ada@example.com", PASSWORD, address=None, now=now)
    body = {"current": PASSWORD, "new": NEW_PASSWORD}

    changed = demo.ok(demo.request("POST", "/api/v1/me/password", token, json=body))

    assert len(changed["tokens_revoked"]) == 1
    assert demo.request("GET", "/api/v1/me", other).status_code == 401
    assert demo.request("GET", "/api/v1/me", token).status_code == 200
    policy = sessions.SessionPolicy()
    assert sessions.resume_session(demo.store, started.raw_id, now=now, policy=policy) is None
    assert demo.ok(log_in(demo, "ada@example.com", NEW_PASSWORD), 201)
    assert log_in(demo, "ada@example.com", PASSWORD).status_code == 401
    with demo.store.read() as db:
        ended = db.scalars(select(ConsoleSession.ended_at)).all()
    assert ended and all(at is not None for at in ended)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"current": "not my passphrase", "new": NEW_PASSWORD},
            [("current", "password_incorrect")],
        ),
        ({"current": PASSWORD, "new": "short"}, [("new", "password_too_short")]),
        ({"current": PASSWORD, "new": "a" * 20}, [("new", "password_weak")]),
        ({"current": PASSWORD, "new": "ada@example.com"}, [("new", "password_weak")]),
        ({"current": PASSWORD, "new": "password1234"}, [("new", "password_common")]),
        ({"current": PASSWORD, "new": PASSWORD}, [("new", "password_unchanged")]),
    ],
)
def test_password__bad_input__422_nothing_changed(
    demo: Api, body: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    token = join(demo, "ada@example.com", "viewer")

    answer = demo.request("POST", "/api/v1/me/password", token, json=body)

    assert rule_of(answer) == expected
    assert demo.ok(log_in(demo, "ada@example.com"), 201)


def test_password__admin_token__403(api: Api) -> None:
    body = {"current": PASSWORD, "new": NEW_PASSWORD}

    assert api.post("/api/v1/me/password", body).status_code == 403
