"""The tokens page: list without secrets, create (secret shown once), revoke."""

from __future__ import annotations

import httpx

from premiere.services import SYSTEM
from premiere.services.people import tokens

from .conftest import Console

PAGE = "/projects/demo/tokens"


def _post(demo: Console, path: str, data: dict[str, str]) -> httpx.Response:
    csrf = demo.csrf(PAGE)
    return demo.client.request("POST", path, data={"csrf": csrf, **data}, follow_redirects=False)


def test_tokens__list__names_scopes_never_secrets(demo: Console) -> None:
    created = tokens.create_token(demo.store, SYSTEM, {"name": "CI", "scope": "deploy"})
    html = demo.client.get(PAGE).text
    assert "<h1>API tokens</h1>" in html
    assert "CI" in html
    assert f"<code>{created['id']}</code>" in html
    assert created["token"] not in html
    assert created["token"].split("_")[-1] not in html
    assert "(signed in with it)" in html


def test_tokens__create__secret_shown_once(demo: Console) -> None:
    answer = _post(demo, PAGE, {"name": "<b>pipeline</b>", "scope": "deploy", "project": "demo"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    made = [t for t in tokens.list_tokens(demo.store) if t["name"] == "<b>pipeline</b>"]
    assert len(made) == 1 and made[0]["project"] == "demo"
    start = answer.text.index('id="new-token"')
    secret = answer.text[answer.text.index('value="', start) + 7 :].split('"')[0]
    assert secret.startswith(f"prm_{made[0]['id']}_")
    assert tokens.authenticate(demo.store, secret).name == "<b>pipeline</b>"
    assert "&lt;b&gt;pipeline&lt;/b&gt;" in answer.text
    assert 'data-copy="new-token"' in answer.text and "js/copy." in answer.text
    assert secret not in demo.client.get(PAGE).text


def test_tokens__bad_input__errors_at_the_fields_nothing_created(demo: Console) -> None:
    before = len(tokens.list_tokens(demo.store))
    answer = _post(demo, PAGE, {"name": "", "scope": "root"})
    assert answer.status_code == 422
    assert 'href="#scope"' in answer.text and 'href="#name"' in answer.text
    answer = _post(demo, PAGE, {"name": "sdk", "scope": "sdk-server", "project": "demo"})
    assert answer.status_code == 422
    assert 'href="#environment"' in answer.text
    answer = _post(demo, PAGE, {"name": "x" * 100_000, "scope": "deploy", "project": "nope"})
    assert answer.status_code == 422
    assert len(tokens.list_tokens(demo.store)) == before


def test_tokens__revoke__token_stops_working(demo: Console) -> None:
    created = tokens.create_token(demo.store, SYSTEM, {"name": "old", "scope": "deploy"})
    answer = _post(demo, f"{PAGE}/{created['id']}/revoke", {})
    assert answer.status_code == 303
    assert answer.headers["location"] == PAGE
    view = next(t for t in tokens.list_tokens(demo.store) if t["id"] == created["id"])
    assert view["revoked_at"] is not None
    assert 'data-confirm="Revoke the token old?' not in demo.client.get(PAGE).text


def test_tokens__revoke_own_token__session_ends(demo: Console) -> None:
    own = next(t for t in tokens.list_tokens(demo.store) if t["scope"] == "admin")
    answer = _post(demo, f"{PAGE}/{own['id']}/revoke", {})
    assert answer.headers["location"] == "/sign-in"
    assert demo.client.get(PAGE, follow_redirects=False).status_code == 303


def test_tokens__without_csrf__403_nothing_changed(demo: Console) -> None:
    created = tokens.create_token(demo.store, SYSTEM, {"name": "kept", "scope": "deploy"})
    path = f"{PAGE}/{created['id']}/revoke"
    answer = demo.client.request("POST", path, data={}, follow_redirects=False)
    assert answer.status_code == 403
    view = next(t for t in tokens.list_tokens(demo.store) if t["id"] == created["id"])
    assert view["revoked_at"] is None


def test_tokens__unknown__html_404(demo: Console) -> None:
    assert _post(demo, f"{PAGE}/0123456789abcdef/revoke", {}).status_code == 404
    assert demo.client.get("/projects/nope/tokens").status_code == 404
