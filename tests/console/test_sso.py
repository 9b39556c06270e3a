"""The console's single sign-on against a real OpenID provider (tests/people/conftest.py):
the sign-in page's button, the flow cookie, a new session at sign-in with the roles of
the role map, and every refusal shown on the sign-in page (4xx, never 500)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from premiere.services.people.accounts import list_people
from premiere.services.people.oidc import OidcConfig, parse_role_map
from tests.api.live import free_port
from tests.people.conftest import Provider, run_provider, sign_in_at_provider

from .conftest import Console

SERVER = "http://testserver"
CALLBACK = f"{SERVER}/sign-in/sso/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with run_provider([CALLBACK]) as running:
        yield running


def _set_up(console: Console, issuer: str, *, create: bool = True) -> None:
    """Single sign-on as PREMIERE_OIDC_* would set it up; the clock is the provider's."""
    state = console.client.app.state.console
    state.public_url = SERVER
    state.sso = OidcConfig(
        issuer=issuer,
        client_id="premiere",
        client_secret="premiere-test-client-secret",
        scopes="openid email profile groups",
        role_map=parse_role_map("eng=engineer, release=demo:release_manager"),
        create_accounts=create,
        label="Sign in with Acme",
    )
    console.clock.now = datetime.now(UTC)


def _sign_in_with_sso(console: Console, login: str, next_url: str = "/") -> httpx.Response:
    """Begin at the console, sign in at the provider, come back: the callback's answer."""
    begin = console.client.get(f"/sign-in/sso?next={quote(next_url)}", follow_redirects=False)
    assert begin.status_code == 303, begin.text
    back = sign_in_at_provider(begin.headers["location"], login, CALLBACK)
    return console.client.get(back.removeprefix(SERVER), follow_redirects=False)


def test_sign_in_page__sso_set_up__shows_its_button(console: Console, provider: Provider) -> None:
    _set_up(console, provider.issuer)

    html = console.client.get("/sign-in?next=/projects/demo").text

    assert 'href="/sign-in/sso?next=%2Fprojects%2Fdemo">Sign in with Acme</a>' in html


def test_sign_in_page__no_sso__no_button(console: Console) -> None:
    assert "/sign-in/sso" not in console.client.get("/sign-in").text


def test_sso_begin__redirects_to_the_provider_with_a_flow_cookie_for_the_callback_only(
    console: Console, provider: Provider
) -> None:
    _set_up(console, provider.issuer)

    begin = console.client.get("/sign-in/sso", follow_redirects=False)

    assert begin.status_code == 303
    assert begin.headers["location"].startswith(f"{provider.issuer}/auth?")
    cookie = begin.headers["set-cookie"].lower()
    assert cookie.startswith("premiere_sso=")
    for attribute in ("httponly", "max-age=600", "path=/sign-in/sso/callback", "samesite=lax"):
        assert attribute in cookie


def test_sso_callback__engineer__new_session_with_the_mapped_role_and_on_to_next(
    console: Console, provider: Provider
) -> None:
    _set_up(console, provider.issuer)
    console.sign_in()
    before = console.client.cookies["premiere_session"]

    answer = _sign_in_with_sso(console, "erin@example.com", "/audit")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/audit"
    assert console.client.cookies["premiere_session"] != before
    (erin,) = list_people(console.store)
    assert (erin["email"], erin["name"], erin["sso"]) == (
        "erin@example.com",
        "Erin Engineer",
        True,
    )
    assert erin["roles"] == [{"project": None, "role": "engineer"}]
    page = console.client.get("/", follow_redirects=False)
    assert page.status_code == 200
    assert "Erin Engineer" in page.text  # the header names who is signed in


def test_sso_callback__release_manager__role_on_the_mapped_project(
    console: Console, provider: Provider
) -> None:
    _set_up(console, provider.issuer)

    assert _sign_in_with_sso(console, "rita@example.com").status_code == 303

    (rita,) = list_people(console.store)
    assert rita["roles"] == [{"project": "demo", "role": "release_manager"}]


def test_sso_callback__no_account_and_no_creation__403_on_the_sign_in_page(
    console: Console, provider: Provider
) -> None:
    _set_up(console, provider.issuer, create=False)

    answer = _sign_in_with_sso(console, "erin@example.com")

    assert answer.status_code == 403
    assert "no account here for this single sign-on identity" in answer.text
    assert "premiere_session" not in console.client.cookies
    assert list_people(console.store) == []


def test_sso_callback__no_flow_cookie__400_state_mismatch_on_the_sign_in_page(
    console: Console, provider: Provider
) -> None:
    _set_up(console, provider.issuer)

    answer = console.client.get("/sign-in/sso/callback?code=stolen&state=forged")

    assert answer.status_code == 400
    assert "<h1>Sign in</h1>" in answer.text
    assert "sso_state_mismatch" in answer.text
    assert "no single sign-on is in progress in this browser" in answer.text


def test_sso_callback__state_not_the_browser_s__400_and_nobody_signed_in(
    console: Console, provider: Provider
) -> None:
    _set_up(console, provider.issuer)
    begin = console.client.get("/sign-in/sso", follow_redirects=False)
    back = sign_in_at_provider(begin.headers["location"], "erin@example.com", CALLBACK)

    forged = back.removeprefix(SERVER).replace("state=", "state=x", 1)
    answer = console.client.get(forged, follow_redirects=False)

    assert answer.status_code == 400
    assert "sso_state_mismatch" in answer.text
    assert list_people(console.store) == []


def test_sso_begin__provider_unreachable__502_on_the_sign_in_page(console: Console) -> None:
    _set_up(console, f"http://127.0.0.1:{free_port()}")

    answer = console.client.get("/sign-in/sso", follow_redirects=False)

    assert answer.status_code == 502
    assert "sso_provider_error" in answer.text
    assert "cannot be reached" in answer.text


def test_sso_begin__not_set_up__404_on_the_sign_in_page(console: Console) -> None:
    answer = console.client.get("/sign-in/sso", follow_redirects=False)

    assert answer.status_code == 404
    assert "sso_not_configured" in answer.text
