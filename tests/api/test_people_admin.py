"""People, invitations and service accounts over HTTP, and environments' flag role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from premiere.services import Actor
from premiere.services.people import invitations

from .people import PASSWORD, invite, join, log_in, rule_of
from .support import Api

ADMIN = Actor(kind="user", id="u-1", name="Ada")


def person_id(api: Api, token: str) -> str:
    return str(api.ok(api.request("GET", "/api/v1/me", token))["id"])


def test_people__list_get_rename__admin_sees_emails_and_roles(demo: Api) -> None:
    ada = person_id(demo, join(demo, "ada@example.com", "engineer", "demo"))

    listed = demo.ok(demo.get("/api/v1/people"))
    renamed = demo.ok(demo.patch(f"/api/v1/people/{ada}", {"name": "Ada L."}))

    assert [(p["email"], p["roles"]) for p in listed] == [
        ("ada@example.com", [{"project": "demo", "role": "engineer"}])
    ]
    assert renamed["name"] == "Ada L." == demo.ok(demo.get(f"/api/v1/people/{ada}"))["name"]
    assert "password_hash" not in renamed and renamed["password"] is True


def test_people__engineer__403_naming_the_role_needed(demo: Api) -> None:
    token = join(demo, "ada@example.com", "engineer", "demo")

    answer = demo.request("GET", "/api/v1/people", token)

    assert answer.status_code == 403
    assert answer.json()["error"]["details"]["role_needed"] == "admin"


@pytest.mark.parametrize(
    ("roles", "field"),
    [
        ([{"project": "demo", "role": "owner"}], "roles[0].role"),
        ([{"project": "demo", "role": "viewer"}, {"project": "demo", "role": "admin"}],
         "roles[1].project"),
    ],
)  # fmt: skip
def test_people_roles__bad_input__422_nothing_changed(
    demo: Api, roles: list[dict[str, str]], field: str
) -> None:
    ada = person_id(demo, join(demo, "ada@example.com", "engineer", "demo"))

    answer = demo.put(f"/api/v1/people/{ada}/roles", {"roles": roles})

    assert [f for f, _ in rule_of(answer)] == [field]
    assert demo.ok(demo.get(f"/api/v1/people/{ada}"))["roles"][0]["role"] == "engineer"


def test_people_roles__unknown_project__404(demo: Api) -> None:
    ada = person_id(demo, join(demo, "ada@example.com", "engineer", "demo"))

    answer = demo.put(f"/api/v1/people/{ada}/roles", {"roles": [{"project": "x", "role": "admin"}]})

    assert answer.status_code == 404


def test_people_remove__tokens_and_sessions_end(demo: Api) -> None:
    token = join(demo, "ada@example.com", "engineer", "demo")
    ada = person_id(demo, token)

    removed = demo.ok(demo.delete(f"/api/v1/people/{ada}"))

    assert removed["removed_at"] is not None
    assert demo.request("GET", "/api/v1/me", token).status_code == 401
    assert log_in(demo, "ada@example.com").status_code == 401
    assert [p["email"] for p in demo.ok(demo.get("/api/v1/people"))] == []


def test_people__unknown_id__404(api: Api) -> None:
    assert api.get("/api/v1/people/0123456789abcdef").status_code == 404
    assert api.delete("/api/v1/people/nope").status_code == 404


def test_invitations__create__absolute_link_once_listed_without_it(demo: Api) -> None:
    made = invite(demo, "ada@example.com", "viewer", "demo")

    listed = demo.ok(demo.get("/api/v1/invitations"))

    assert made["link"].startswith("http://127.0.0.1:8700/join/")
    assert [(i["email"], i["state"]) for i in listed] == [("ada@example.com", "open")]
    assert "link" not in listed[0]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "not an email", "role": "viewer"}, 422),
        ({"email": "ada@example.com", "role": "owner"}, 422),
        ({"email": "ada@example.com", "role": "viewer", "expires_in_days": 31}, 422),
        ({"email": "ada@example.com", "role": "viewer", "project": "nope"}, 404),
    ],
)
def test_invitations__bad_input__refused(demo: Api, body: dict[str, object], status: int) -> None:
    assert demo.post("/api/v1/invitations", body).status_code == status
    assert demo.ok(demo.get("/api/v1/invitations")) == []


def test_invitations__email_of_a_person__409_already_exists(demo: Api) -> None:
    join(demo, "ada@example.com", "viewer")

    answer = demo.post("/api/v1/invitations", {"email": "ADA@example.com", "role": "viewer"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "already_exists"


def test_invitations__accepted_twice__404(demo: Api) -> None:
    link = invite(demo, "ada@example.com", "viewer")["link"]
    body = {"link": link, "name": "Ada", "password": PASSWORD}
    demo.ok(demo.client.request("POST", "/api/v1/invitations/accept", json=body), 201)

    again = demo.client.request("POST", "/api/v1/invitations/accept", json=body)

    assert again.status_code == 404


def test_invitations__expired__409_invitation_expired(demo: Api) -> None:
    past = datetime.now(UTC) - timedelta(days=8)
    data = {"email": "ada@example.com", "role": "viewer"}
    link = invitations.invite_person(demo.store, ADMIN, data, now=past)["link"]
    body = {"link": link, "name": "Ada", "password": PASSWORD}

    answer = demo.client.request("POST", "/api/v1/invitations/accept", json=body)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invitation_expired"
    assert demo.ok(demo.get("/api/v1/invitations"))[0]["state"] == "expired"


@pytest.mark.parametrize(
    ("password", "rule"), [("", "password_too_short"), ("short", "password_too_short"),
                           ("x" * 16, "password_weak"), ("password1234", "password_common")]
)  # fmt: skip
def test_invitations_accept__weak_password__422_nobody_joins(
    demo: Api, password: str, rule: str
) -> None:
    link = invite(demo, "ada@example.com", "viewer")["link"]
    body = {"link": link, "name": "Ada", "password": password}

    answer = demo.client.request("POST", "/api/v1/invitations/accept", json=body)

    assert rule_of(answer) == [("password", rule)]
    assert demo.ok(demo.get("/api/v1/people")) == []


def test_invitations__revoked__link_stops_working(demo: Api) -> None:
    made = invite(demo, "ada@example.com", "viewer")

    revoked = demo.ok(demo.delete(f"/api/v1/invitations/{made['id']}"))
    body = {"link": made["link"], "name": "Ada", "password": PASSWORD}
    answer = demo.client.request("POST", "/api/v1/invitations/accept", json=body)

    assert revoked["state"] == "revoked"
    assert answer.status_code == 404


def test_service_accounts__token__deploys_as_the_account(demo: Api) -> None:
    account = demo.ok(demo.post("/api/v1/service-accounts", {"name": "release pipeline"}), 201)
    body = {"name": "ci", "project": "demo"}
    made = demo.ok(demo.post(f"/api/v1/service-accounts/{account['id']}/tokens", body), 201)

    me = demo.ok(demo.request("GET", "/api/v1/me", made["token"]))
    listed = demo.ok(demo.get("/api/v1/service-accounts"))

    assert (made["scope"], made["project"], made["owner"]) == ("deploy", "demo", account["id"])
    assert (me["kind"], me["name"]) == ("service", "release pipeline")
    assert [a["name"] for a in listed] == ["release pipeline"]
    assert (
        demo.request("POST", "/api/v1/me/tokens", made["token"], json={"name": "x"}).status_code
        == 403
    )


def test_service_accounts__removed__tokens_refused(demo: Api) -> None:
    account = demo.ok(demo.post("/api/v1/service-accounts", {"name": "pipeline"}), 201)
    path = f"/api/v1/service-accounts/{account['id']}"
    token = demo.ok(demo.post(f"{path}/tokens", {"name": "ci"}), 201)["token"]

    demo.ok(demo.delete(path))

    assert demo.request("GET", "/api/v1/projects", token).status_code == 401
    assert demo.post(f"{path}/tokens", {"name": "ci"}).status_code == 404
    assert demo.ok(demo.get("/api/v1/service-accounts")) == []


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"name": "ci", "project": "nope"}, {"name": "ci", "scope": "admin"}]
)
def test_service_accounts_token__bad_input__refused(demo: Api, body: dict[str, str]) -> None:
    account = demo.ok(demo.post("/api/v1/service-accounts", {"name": "pipeline"}), 201)

    answer = demo.post(f"/api/v1/service-accounts/{account['id']}/tokens", body)

    assert answer.status_code in {404, 422}
    assert demo.ok(demo.get("/api/v1/tokens"))[-1]["owner"] is None


def test_service_accounts__person_id__404(demo: Api) -> None:
    ada = person_id(demo, join(demo, "ada@example.com", "viewer"))

    assert demo.post(f"/api/v1/service-accounts/{ada}/tokens", {"name": "x"}).status_code == 404
    assert demo.delete(f"/api/v1/service-accounts/{ada}").status_code == 404


def test_environment_flag_role__set__engineers_refused_there(demo: Api) -> None:
    token = join(demo, "ada@example.com", "engineer", "demo")
    demo.flag("demo", "checkout")
    path = "/api/v1/projects/demo/environments/staging"
    version = demo.ok(demo.get(path))["version"]

    updated = demo.ok(demo.patch(path, {"flag_role": "release_manager", "version": version}))
    answer = demo.request("PATCH", "/api/v1/projects/demo/flags/checkout/environments/staging",
                          token, json={"on": True, "version": 1})  # fmt: skip

    assert updated["flag_role"] == "release_manager"
    assert answer.status_code == 403
    assert answer.json()["error"]["details"]["role_needed"] == "release_manager"


def test_environment_flag_role__unknown_role__422(demo: Api) -> None:
    body = {"key": "qa", "flag_role": "owner"}

    answer = demo.post("/api/v1/projects/demo/environments", body)

    assert [field for field, _ in rule_of(answer)] == ["flag_role"]


def test_environment_flag_role__created_with_one_or_none(demo: Api) -> None:
    made = demo.ok(demo.post("/api/v1/projects/demo/environments",
                             {"key": "qa", "flag_role": "admin"}), 201)  # fmt: skip

    assert made["flag_role"] == "admin"
    assert demo.ok(demo.get("/api/v1/projects/demo/environments/staging"))["flag_role"] is None
