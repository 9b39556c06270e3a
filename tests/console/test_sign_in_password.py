"""Signing in with an email and password: a new session every time (no fixation),
wrong passwords, the throttle, signing out; the page's forms."""

from __future__ import annotations

from types import SimpleNamespace

from premiere.services.people.sessions import SessionPolicy, resume_session

from .conftest import Console
from .people import PASSWORD, add_person, sign_in_with_password


def _works(console: Console, raw: str) -> bool:
    policy = SessionPolicy()
    return resume_session(console.store, raw, now=console.clock.now, policy=policy) is not None


def test_sign_in__right_password__redirects_with_a_new_session(console: Console) -> None:
    add_person(console, "ada@example.com")
    answer = sign_in_with_password(console, "Ada@Example.com")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    page = console.client.get("/account").text
    assert "<h1>My account</h1>" in page and "ada@example.com" in page


def test_sign_in__a_cookie_before__gets_a_new_one_and_the_old_one_ends(console: Console) -> None:
    # Given a browser holding a session (an admin token's)
    add_person(console, "ada@example.com")
    console.sign_in()
    before = console.client.cookies["premiere_session"]
    # When it signs in with a password
    answer = sign_in_with_password(console, "ada@example.com", keep_cookie=True)
    # Then its cookie is a new one, and the one it held no longer works
    assert answer.status_code == 303
    after = console.client.cookies["premiere_session"]
    assert after != before
    assert _works(console, after)
    assert not _works(console, before)


def test_sign_in__wrong_password__401_form_error_no_session(console: Console) -> None:
    add_person(console, "ada@example.com")
    answer = sign_in_with_password(console, "ada@example.com", "not the password at all")
    assert answer.status_code == 401
    assert "Wrong email or password" in answer.text
    assert 'value="ada@example.com"' in answer.text
    assert "premiere_session" not in console.client.cookies
    unknown = sign_in_with_password(console, "nobody@example.com", PASSWORD)
    assert unknown.status_code == 401
    assert "Wrong email or password" in unknown.text


def test_sign_in__sixth_attempt_after_five_failures__refused_even_with_right_password(
    console: Console,
) -> None:
    add_person(console, "ada@example.com")
    for _ in range(5):
        answer = sign_in_with_password(console, "ada@example.com", "wrong guess 123")
        assert answer.status_code == 401
    answer = sign_in_with_password(console, "ada@example.com", PASSWORD)
    assert answer.status_code == 429
    assert "Too many failed sign-ins" in answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert "premiere_session" not in console.client.cookies
    # Once the block is over, the right password signs in
    console.clock.advance(minutes=16)
    assert sign_in_with_password(console, "ada@example.com", PASSWORD).status_code == 303


def test_sign_in__without_csrf__403(console: Console) -> None:
    add_person(console, "ada@example.com")
    data = {"email": "ada@example.com", "password": PASSWORD}
    answer = console.client.request("POST", "/sign-in", data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "premiere_session" not in console.client.cookies


def test_sign_out__old_cookie__no_longer_works(console: Console) -> None:
    add_person(console, "ada@example.com")
    sign_in_with_password(console, "ada@example.com")
    old = console.client.cookies["premiere_session"]
    csrf = console.csrf("/account")
    answer = console.client.request(
        "POST", "/sign-out", data={"csrf": csrf}, follow_redirects=False
    )
    assert answer.headers["location"] == "/sign-in"
    console.client.cookies.set("premiere_session", old, domain="testserver.local")
    assert console.client.get("/account", follow_redirects=False).status_code == 303
    assert not _works(console, old)


def test_sign_in_page__nobody_has_a_password__the_admin_token_only(console: Console) -> None:
    html = console.client.get("/sign-in").text
    assert 'name="token"' in html
    assert 'name="password"' not in html
    assert "<details" not in html


def test_sign_in_page__people_have_passwords__password_first_token_under_details(
    console: Console,
) -> None:
    add_person(console, "ada@example.com")
    html = console.client.get("/sign-in").text
    assert html.index('name="password"') < html.index("<details")
    assert html.index("<summary>Sign in with an API token</summary>") < html.index('name="token"')
    assert '<details class="sign-in-token">' in html  # closed until used
    assert "/sign-in/sso" not in html
    # a wrong token opens it again
    answer = console.client.request(
        "POST", "/sign-in", data={"token": "prm_nope", **console.sign_in_csrf()}
    )
    assert answer.status_code == 422
    assert '<details class="sign-in-token" open>' in answer.text


def test_sign_in_page__single_sign_on_set_up__shows_its_button(console: Console) -> None:
    console.client.app.state.console.sso = SimpleNamespace(label="Sign in with Example ID")
    html = console.client.get("/sign-in?next=/people").text
    assert 'href="/sign-in/sso?next=%2Fpeople">Sign in with Example ID</a>' in html
