"""Helpers of the people pages' tests: people made through the services (an
invitation accepted), signing in with a password through the sign-in form."""

from __future__ import annotations

import httpx

from premiere.services import SYSTEM
from premiere.services.people import invitations

from .conftest import Console

PASSWORD = "a long enough passphrase"


def add_person(
    console: Console,
    email: str,
    *,
    role: str = "admin",
    project: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
) -> str:
    """A person who accepted an invitation (``role`` on ``project``, None: every one); their id."""
    data = {"email": email, "name": name or email.split("@")[0], "project": project, "role": role}
    created = invitations.invite_person(console.store, SYSTEM, data, now=console.clock.now)
    link = created["link"].removeprefix("/join/")
    started = invitations.accept_invitation(
        console.store, link, {"name": data["name"], "password": password}, now=console.clock.now
    )
    person = started.info.caller.person
    assert person is not None
    return person


def sign_in_with_password(
    console: Console, email: str, password: str = PASSWORD, *, keep_cookie: bool = False
) -> httpx.Response:
    """Post the sign-in form (its CSRF from the page); ``keep_cookie``: the browser's
    session cookie is sent along (the page would otherwise send it on)."""
    previous = console.client.cookies.get("premiere_session")
    fields = console.sign_in_csrf()
    if keep_cookie and previous:
        console.client.cookies.set("premiere_session", previous, domain="testserver.local")
    data = {"email": email, "password": password, "next": "/", **fields}
    return console.client.request("POST", "/sign-in", data=data, follow_redirects=False)


def post(console: Console, page: str, path: str, data: dict[str, str]) -> httpx.Response:
    """Post a form of ``page`` (its CSRF token read from it) to ``path``."""
    csrf = console.csrf(page)
    return console.client.request("POST", path, data={"csrf": csrf, **data}, follow_redirects=False)
