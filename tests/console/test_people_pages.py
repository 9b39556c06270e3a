"""The people pages: the list, inviting (the link shown once), open invitations, a
person's page (roles, name, tokens, removal); only people admins reach them."""

from __future__ import annotations

import re

from premiere.services.people import accounts, invitations
from premiere.services.people.sessions import SessionPolicy, resume_session
from premiere.services.people.signin import sign_in_with_password as start_password_session

from .conftest import Console
from .people import PASSWORD, add_person, post, sign_in_with_password

PEOPLE = "/people"


def _admin(console: Console) -> str:
    """Ada, admin on every project, signed in; her id."""
    person = add_person(console, "ada@example.com", name="Ada")
    assert sign_in_with_password(console, "ada@example.com").status_code == 303
    return person


def _link_of(html: str) -> str:
    start = html.index('id="invitation-link"')
    return html[html.index('value="', start) + 7 :].split('"')[0]


def test_people__list__names_emails_roles_and_how_they_sign_in(demo: Console) -> None:
    _admin(demo)
    add_person(demo, "bob@example.com", name="Bob", role="engineer", project="demo")
    html = demo.client.get(PEOPLE).text
    assert "<h1>People</h1>" in html
    assert "bob@example.com" in html and "engineer on demo" in html
    assert "admin on every project" in html
    assert 'href="/people/' in html
    assert '<a href="/people" aria-current="page">People</a>' in html


def test_people__invite__the_link_shown_once_and_it_works(demo: Console) -> None:
    _admin(demo)
    data = {"email": "Cy@Example.com", "name": "Cy", "project": "demo", "role": "viewer"}
    answer = post(demo, PEOPLE, PEOPLE + "/invite", data | {"expires_in_days": "3"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    link = _link_of(answer.text)
    assert re.fullmatch(r"http://testserver/join/[0-9a-f]{16}\.[\w-]+", link)
    view = invitations.find_invitation(demo.store, link.split("/join/")[1], now=demo.clock.now)
    assert (view["email"], view["project"], view["role"]) == ("cy@example.com", "demo", "viewer")
    later = demo.client.get(PEOPLE).text
    assert link not in later and "cy@example.com" in later  # listed as open, link gone


def test_people__invite_bad_input__errors_at_the_fields_nothing_invited(demo: Console) -> None:
    _admin(demo)
    answer = post(demo, PEOPLE, PEOPLE + "/invite", {"email": "not-an-email", "role": "owner"})
    assert answer.status_code == 422
    assert 'href="#email"' in answer.text and 'href="#role"' in answer.text
    duplicate = {"email": "ada@example.com", "project": "", "role": "viewer"}
    answer = post(demo, PEOPLE, PEOPLE + "/invite", duplicate)
    assert answer.status_code == 422
    assert "Someone here has this email already" in answer.text
    days = {"email": "cy@example.com", "role": "viewer", "expires_in_days": "ninety"}
    answer = post(demo, PEOPLE, PEOPLE + "/invite", days)
    assert answer.status_code == 422 and 'href="#expires_in_days"' in answer.text
    assert invitations.list_invitations(demo.store, now=demo.clock.now) == []


def test_people__revoke_invitation__its_link_stops_working(demo: Console) -> None:
    _admin(demo)
    answer = post(demo, PEOPLE, PEOPLE + "/invite", {"email": "cy@example.com", "role": "viewer"})
    link = _link_of(answer.text).split("/join/")[1]
    invitation = link.split(".")[0]
    answer = post(demo, PEOPLE, f"{PEOPLE}/invitations/{invitation}/revoke", {})
    assert answer.status_code == 303
    assert demo.client.get(f"/join/{link}").status_code == 404


def test_people__an_engineer__403_and_no_link_in_the_header(demo: Console) -> None:
    add_person(demo, "bob@example.com", role="engineer", project="demo")
    sign_in_with_password(demo, "bob@example.com")
    assert demo.client.get(PEOPLE).status_code == 403
    assert demo.client.get("/service-accounts").status_code == 403
    html = demo.client.get("/projects/demo").text
    assert 'href="/people"' not in html
    assert '<a class="who" href="/account">bob</a>' in html


def test_person__give_change_and_remove_roles(demo: Console) -> None:
    _admin(demo)
    bob = add_person(demo, "bob@example.com", role="viewer", project="demo")
    page = f"{PEOPLE}/{bob}"
    for project, role in (("", "engineer"), ("demo", "admin")):
        answer = post(demo, page, f"{page}/roles", {"project": project, "role": role})
        assert answer.status_code == 303
    roles = accounts.get_person(demo.store, bob)["roles"]
    assert roles == [{"project": None, "role": "engineer"}, {"project": "demo", "role": "admin"}]
    answer = post(demo, page, f"{page}/roles/remove", {"project": ""})
    assert answer.status_code == 303
    assert accounts.get_person(demo.store, bob)["roles"] == [{"project": "demo", "role": "admin"}]
    html = demo.client.get(page).text
    assert "<h1>bob</h1>" in html and "Make engineer" in html


def test_person__bad_role_or_project__422_at_the_field_roles_unchanged(demo: Console) -> None:
    _admin(demo)
    bob = add_person(demo, "bob@example.com", role="viewer", project="demo")
    page = f"{PEOPLE}/{bob}"
    answer = post(demo, page, f"{page}/roles", {"project": "demo", "role": "owner"})
    assert answer.status_code == 422
    assert 'href="#role"' in answer.text and "must be one of" in answer.text
    answer = post(demo, page, f"{page}/roles", {"project": "nope", "role": "viewer"})
    assert answer.status_code == 422
    assert accounts.get_person(demo.store, bob)["roles"] == [{"project": "demo", "role": "viewer"}]


def test_person__rename_and_remove__their_sessions_end(demo: Console) -> None:
    _admin(demo)
    bob = add_person(demo, "bob@example.com", role="viewer", project="demo")
    started = start_password_session(
        demo.store, "bob@example.com", PASSWORD, address=None, now=demo.clock.now
    )
    page = f"{PEOPLE}/{bob}"
    assert post(demo, page, f"{page}/name", {"name": "  "}).status_code == 422
    assert post(demo, page, f"{page}/name", {"name": "Robert"}).status_code == 303
    assert accounts.get_person(demo.store, bob)["name"] == "Robert"
    answer = post(demo, page, f"{page}/remove", {})
    assert answer.headers["location"] == PEOPLE
    assert accounts.get_person(demo.store, bob)["removed_at"] is not None
    policy = SessionPolicy()
    assert resume_session(demo.store, started.raw_id, now=demo.clock.now, policy=policy) is None
    assert "Robert" not in demo.client.get(PEOPLE).text


def test_person__without_csrf__403_nothing_changed(demo: Console) -> None:
    _admin(demo)
    bob = add_person(demo, "bob@example.com", role="viewer", project="demo")
    for path in ("roles", "name", "remove"):
        answer = demo.client.request(
            "POST", f"{PEOPLE}/{bob}/{path}", data={"role": "admin", "name": "X"}
        )
        assert answer.status_code == 403
    person = accounts.get_person(demo.store, bob)
    assert (person["name"], person["removed_at"]) == ("bob", None)
    assert person["roles"] == [{"project": "demo", "role": "viewer"}]
    assert demo.client.request("POST", PEOPLE + "/invite", data={}).status_code == 403


def test_person__unknown__404(demo: Console) -> None:
    _admin(demo)
    assert demo.client.get(f"{PEOPLE}/0123456789abcdef").status_code == 404
    assert demo.client.get(f"{PEOPLE}/nope").status_code == 404
