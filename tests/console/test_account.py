"""My account: the name, the password (other sessions end, this browser stays signed
in with a new session), personal tokens (cap, expiry, shown once, revoked)."""

from __future__ import annotations

import pytest

from premiere import errors
from premiere.services import SYSTEM
from premiere.services.people import accounts, throttle, tokens
from premiere.services.people.account import create_owned_token, list_owned_tokens
from premiere.services.people.sessions import SessionPolicy, resume_session
from premiere.services.people.signin import sign_in_with_password as start_password_session

from .conftest import Console
from .people import PASSWORD, add_person, post, sign_in_with_password

ACCOUNT = "/account"
NEW = "another long passphrase"


def _ada(console: Console) -> str:
    person = add_person(console, "ada@example.com", name="Ada", role="engineer", project="demo")
    assert sign_in_with_password(console, "ada@example.com").status_code == 303
    return person


def _works(console: Console, raw: str) -> bool:
    policy = SessionPolicy()
    return resume_session(console.store, raw, now=console.clock.now, policy=policy) is not None


def test_account__page__name_email_roles_and_header_link(demo: Console) -> None:
    _ada(demo)
    html = demo.client.get(ACCOUNT).text
    assert "<h1>My account</h1>" in html and "ada@example.com" in html
    assert "engineer on demo" in html
    assert '<a class="who" href="/account" aria-current="page">Ada</a>' in html


def test_account__rename__saved_and_blank_refused(demo: Console) -> None:
    ada = _ada(demo)
    assert post(demo, ACCOUNT, ACCOUNT + "/name", {"name": " "}).status_code == 422
    answer = post(demo, ACCOUNT, ACCOUNT + "/name", {"name": "Ada L."})
    assert answer.headers["location"] == ACCOUNT + "?done=renamed"
    assert accounts.get_person(demo.store, ada)["name"] == "Ada L."


def test_account__change_password__other_sessions_and_tokens_end_this_one_goes_on(
    demo: Console,
) -> None:
    ada = _ada(demo)
    token = create_owned_token(demo.store, SYSTEM, ada, {"name": "laptop"})
    elsewhere = start_password_session(
        demo.store, "ada@example.com", PASSWORD, address=None, now=demo.clock.now
    )
    before = demo.client.cookies["premiere_session"]
    data = {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW}
    answer = post(demo, ACCOUNT, ACCOUNT + "/password", data)
    assert answer.status_code == 303
    after = demo.client.cookies["premiere_session"]
    assert after != before and _works(demo, after)
    assert not _works(demo, before) and not _works(demo, elsewhere.raw_id)
    assert list_owned_tokens(demo.store, ada)[0]["revoked_at"] is not None
    with pytest.raises(errors.AuthenticationError):
        tokens.authenticate(demo.store, token["token"])
    assert "Your password is changed" in demo.client.get(answer.headers["location"]).text
    assert sign_in_with_password(demo, "ada@example.com", PASSWORD).status_code == 401
    assert sign_in_with_password(demo, "ada@example.com", NEW).status_code == 303


def test_account__change_password_bad_input__422_at_the_field_password_kept(
    demo: Console,
) -> None:
    _ada(demo)
    wrong = {"current_password": "not my password", "new_password": NEW, "new_password_again": NEW}
    answer = post(demo, ACCOUNT, ACCOUNT + "/password", wrong)
    assert answer.status_code == 422
    assert 'href="#current_password"' in answer.text
    assert "is not your current password" in answer.text
    weak = {"current_password": PASSWORD, "new_password": "x" * 20, "new_password_again": "x" * 20}
    answer = post(demo, ACCOUNT, ACCOUNT + "/password", weak)
    assert answer.status_code == 422 and 'href="#new_password"' in answer.text
    same = {"current_password": PASSWORD, "new_password": PASSWORD}
    answer = post(demo, ACCOUNT, ACCOUNT + "/password", same | {"new_password_again": PASSWORD})
    assert answer.status_code == 422 and "must differ from the current one" in answer.text
    typo = {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW + "!"}
    answer = post(demo, ACCOUNT, ACCOUNT + "/password", typo)
    assert answer.status_code == 422 and 'href="#new_password_again"' in answer.text
    assert PASSWORD not in answer.text
    assert sign_in_with_password(demo, "ada@example.com", PASSWORD).status_code == 303


def test_account__change_password_throttled__429_the_form_again_at_the_current_password(
    demo: Console,
) -> None:
    _ada(demo)
    wrong = {"current_password": "not my password", "new_password": NEW, "new_password_again": NEW}
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert post(demo, ACCOUNT, ACCOUNT + "/password", wrong).status_code == 422
    right = wrong | {"current_password": PASSWORD}
    answer = post(demo, ACCOUNT, ACCOUNT + "/password", right)
    assert answer.status_code == 429
    assert 0 < int(answer.headers["retry-after"]) <= throttle.BLOCK.total_seconds()
    assert "<h1>My account</h1>" in answer.text and 'href="#current_password"' in answer.text
    beside = answer.text.index('id="current_password-error"')
    assert answer.text.index("Too many failed sign-ins for this account", beside) < (
        answer.text.index('id="current_password"', beside)
    )
    assert PASSWORD not in answer.text and NEW not in answer.text
    demo.clock.advance(minutes=16)
    assert sign_in_with_password(demo, "ada@example.com", PASSWORD).status_code == 303


def test_account__personal_token__shown_once_capped_expiring_then_revoked(demo: Console) -> None:
    ada = _ada(demo)
    data = {"token_name": "laptop", "role": "viewer", "expires_in_days": "30"}
    answer = post(demo, ACCOUNT, ACCOUNT + "/tokens", data)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    start = answer.text.index('id="new-token"')
    secret = answer.text[answer.text.index('value="', start) + 7 :].split('"')[0]
    info = tokens.authenticate(demo.store, secret)
    assert (info.scope, info.cap, info.owner and info.owner.id) == ("personal", "viewer", ada)
    [made] = list_owned_tokens(demo.store, ada)
    assert made["expires_at"] is not None and made["role"] == "viewer"
    page = demo.client.get(ACCOUNT).text
    assert secret not in page and "laptop" in page
    answer = post(demo, ACCOUNT, f"{ACCOUNT}/tokens/{made['id']}/revoke", {})
    assert answer.headers["location"] == ACCOUNT + "?done=revoked"
    assert list_owned_tokens(demo.store, ada)[0]["revoked_at"] is not None


def test_account__personal_token_bad_input__422_nothing_created(demo: Console) -> None:
    ada = _ada(demo)
    for data in (
        {"token_name": "", "role": ""},
        {"token_name": "x", "role": "owner"},
        {"token_name": "x", "expires_in_days": "400"},
    ):
        answer = post(demo, ACCOUNT, ACCOUNT + "/tokens", data)
        assert answer.status_code == 422, data
    assert 'href="#expires_in_days"' in answer.text
    assert list_owned_tokens(demo.store, ada) == []


def test_account__someone_elses_token__404_not_revoked(demo: Console) -> None:
    bob = add_person(demo, "bob@example.com", role="viewer", project="demo")
    theirs = create_owned_token(demo.store, SYSTEM, bob, {"name": "bob's"})
    _ada(demo)
    answer = post(demo, ACCOUNT, f"{ACCOUNT}/tokens/{theirs['id']}/revoke", {})
    assert answer.status_code == 404
    assert list_owned_tokens(demo.store, bob)[0]["revoked_at"] is None


def test_account__token_session__no_account_and_forms_404(demo: Console) -> None:
    html = demo.client.get(ACCOUNT).text
    assert "this session has no account of its own" in html
    answer = post(demo, ACCOUNT, ACCOUNT + "/name", {"name": "admin"})
    assert answer.status_code == 404


def test_account__without_csrf__403_nothing_changed(demo: Console) -> None:
    ada = _ada(demo)
    for path in ("/name", "/password", "/tokens"):
        data = {"name": "X", "token_name": "X", "current_password": PASSWORD}
        answer = demo.client.request("POST", ACCOUNT + path, data=data)
        assert answer.status_code == 403
    assert accounts.get_person(demo.store, ada)["name"] == "Ada"
    assert list_owned_tokens(demo.store, ada) == []
