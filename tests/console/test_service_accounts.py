"""Service accounts: create one, make it a deploy token (shown once), revoke the
token, remove the account (its tokens stop working)."""

from __future__ import annotations

import pytest

from premiere import errors
from premiere.services import SYSTEM
from premiere.services.people import accounts, tokens
from premiere.services.people.account import list_owned_tokens

from .conftest import Console
from .people import post

PAGE = "/service-accounts"


def _account(console: Console, name: str = "CI") -> str:
    return accounts.create_service_account(console.store, SYSTEM, {"name": name})["id"]


def test_service_accounts__create__listed(demo: Console) -> None:
    answer = post(demo, PAGE, PAGE, {"name": "GitHub Actions"})
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    [made] = accounts.list_people(demo.store, kind="service")
    assert made["name"] == "GitHub Actions"
    html = demo.client.get(PAGE).text
    assert '<h2 id="account-' in html and "GitHub Actions" in html
    assert '<a href="/service-accounts" aria-current="page">Service accounts</a>' in html


def test_service_accounts__deploy_token__shown_once_and_owned(demo: Console) -> None:
    account = _account(demo)
    data = {"account": account, "token_name": "deploy job", "project": "demo"}
    answer = post(demo, PAGE, PAGE + "/tokens", data)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    start = answer.text.index('id="new-token"')
    secret = answer.text[answer.text.index('value="', start) + 7 :].split('"')[0]
    info = tokens.authenticate(demo.store, secret)
    assert (info.scope, info.project) == ("deploy", "demo")
    assert info.owner is not None and info.owner.id == account
    assert secret not in demo.client.get(PAGE).text


def test_service_accounts__bad_input__422_at_the_field_nothing_made(demo: Console) -> None:
    account = _account(demo)
    answer = post(demo, PAGE, PAGE, {"name": ""})
    assert answer.status_code == 422 and 'href="#name"' in answer.text
    answer = post(demo, PAGE, PAGE + "/tokens", {"account": "0123456789abcdef", "token_name": "x"})
    assert answer.status_code == 422 and 'href="#account"' in answer.text
    answer = post(demo, PAGE, PAGE + "/tokens", {"account": account, "token_name": ""})
    assert answer.status_code == 422 and 'href="#token_name"' in answer.text
    data = {"account": account, "token_name": "x", "project": "nope"}
    answer = post(demo, PAGE, PAGE + "/tokens", data)
    assert answer.status_code == 422 and 'href="#project"' in answer.text
    assert list_owned_tokens(demo.store, account) == []
    assert len(accounts.list_people(demo.store, kind="service")) == 1


def test_service_accounts__revoke_then_remove__tokens_stop_working(demo: Console) -> None:
    account = _account(demo)
    data = {"account": account, "token_name": "one"}
    first = post(demo, PAGE, PAGE + "/tokens", data)
    start = first.text.index('id="new-token"')
    secret = first.text[first.text.index('value="', start) + 7 :].split('"')[0]
    [token] = list_owned_tokens(demo.store, account)
    answer = post(demo, PAGE, f"{PAGE}/{account}/tokens/{token['id']}/revoke", {})
    assert answer.status_code == 303
    with pytest.raises(errors.AuthenticationError):
        tokens.authenticate(demo.store, secret)
    post(demo, PAGE, PAGE + "/tokens", {"account": account, "token_name": "two"})
    answer = post(demo, PAGE, f"{PAGE}/{account}/remove", {})
    assert answer.status_code == 303
    assert accounts.list_people(demo.store, kind="service") == []
    assert all(item["revoked_at"] for item in list_owned_tokens(demo.store, account))


def test_service_accounts__without_csrf__403_nothing_made(demo: Console) -> None:
    answer = demo.client.request("POST", PAGE, data={"name": "CI"})
    assert answer.status_code == 403
    assert accounts.list_people(demo.store, kind="service") == []
