"""Joining with an invitation's link: choose a name and a password, signed in at once;
a weak or mistyped password, an expired, used or unknown link."""

from __future__ import annotations

import httpx

from premiere.services import SYSTEM
from premiere.services.people import accounts, invitations

from .conftest import Console
from .people import PASSWORD


def _invite(console: Console, **data: object) -> str:
    fields = {"email": "cy@example.com", "name": "Cy", "project": None, "role": "engineer"}
    created = invitations.invite_person(console.store, SYSTEM, fields | data, now=console.clock.now)
    return created["link"]


def _join(console: Console, link: str, **data: str) -> httpx.Response:
    csrf = console.csrf(link)
    fields = {"name": "Cy Young", "password": PASSWORD, "password_again": PASSWORD}
    return console.client.request(
        "POST", link, data={"csrf": csrf, **(fields | data)}, follow_redirects=False
    )


def test_join__name_and_password__signed_in_with_the_role(console: Console) -> None:
    link = _invite(console, project=None, role="engineer")
    page = console.client.get(link)
    assert page.status_code == 200
    assert "cy@example.com" in page.text and "engineer on every project" in page.text
    assert "At least 12 characters" in page.text
    answer = _join(console, link)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "premiere_session" in console.client.cookies
    [person] = accounts.list_people(console.store)
    assert (person["name"], person["email"], person["password"]) == (
        "Cy Young", "cy@example.com", True,
    )  # fmt: skip
    assert person["roles"] == [{"project": None, "role": "engineer"}]
    assert "Cy Young" in console.client.get("/account").text
    assert console.client.get(link).status_code == 404  # used


def test_join__weak_or_mistyped_password__422_at_the_field_nobody_created(
    console: Console,
) -> None:
    link = _invite(console)
    answer = _join(console, link, password="short", password_again="short")
    assert answer.status_code == 422
    assert 'href="#password"' in answer.text and "at least 12 characters" in answer.text
    answer = _join(console, link, password="cy@example.com", password_again="cy@example.com")
    assert answer.status_code == 422
    answer = _join(console, link, password_again="something else entirely")
    assert answer.status_code == 422 and 'href="#password_again"' in answer.text
    assert accounts.list_people(console.store) == []
    assert "premiere_session" not in console.client.cookies


def test_join__expired_link__409_page(console: Console) -> None:
    link = _invite(console, expires_in_days=1)
    console.clock.advance(days=2)
    answer = console.client.get(link)
    assert answer.status_code == 409
    assert "this invitation has expired" in answer.text
    assert "invitation_expired" in answer.text


def test_join__unknown_link__404_page(console: Console) -> None:
    assert console.client.get("/join/0123456789abcdef.not-the-secret-at-all").status_code == 404
    assert console.client.get("/join/nonsense").status_code == 404


def test_join__without_csrf__403_nobody_created(console: Console) -> None:
    link = _invite(console)
    data = {"name": "Cy", "password": PASSWORD, "password_again": PASSWORD}
    answer = console.client.request("POST", link, data=data)
    assert answer.status_code == 403
    assert accounts.list_people(console.store) == []
