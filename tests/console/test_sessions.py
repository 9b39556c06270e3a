"""Sign-in with an admin token, sign-out, idle and maximum age, revocation."""

from __future__ import annotations

from sqlalchemy import select

from premiere.services import SYSTEM
from premiere.services.people import tokens
from premiere.store.models import ConsoleSession

from .conftest import IDLE_SECONDS, MAX_AGE_SECONDS, Console


def test_page__signed_out__redirects_to_sign_in_and_back(console: Console) -> None:
    # Given a visitor without a session
    answer = console.client.get("/projects/demo?tab=x", follow_redirects=False)
    # Then the page sends them to sign in, remembering where they were going
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fprojects%2Fdemo%3Ftab%3Dx"
    page = console.client.get(answer.headers["location"]).text
    assert 'name="next" value="/projects/demo?tab=x"' in page
    # When they sign in from there, they land on that page
    answer = console.client.request(
        "POST",
        "/sign-in",
        data={
            "token": console.admin_token,
            "next": "/projects/demo?tab=x",
            **console.sign_in_csrf(),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/demo?tab=x"


def test_sign_in__admin_token__sets_a_session_cookie_stored_hashed(console: Console) -> None:
    answer = console.client.request(
        "POST",
        "/sign-in",
        data={"token": console.admin_token, **console.sign_in_csrf()},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert "premiere_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    raw = console.client.cookies["premiere_session"]
    with console.store.read() as session:
        rows = list(session.scalars(select(ConsoleSession)))
    assert len(rows) == 1
    assert rows[0].id_hash != raw
    assert raw not in rows[0].id_hash


def test_sign_in__https__cookie_is_secure(console: Console) -> None:
    answer = console.client.request(
        "POST",
        "https://testserver/sign-in",
        data={"token": console.admin_token, "csrf": console.csrf("https://testserver/sign-in")},
        follow_redirects=False,
    )
    assert "Secure" in answer.headers["set-cookie"]


def test_sign_in__wrong_token__422_at_the_field_and_no_session(console: Console) -> None:
    answer = console.client.request(
        "POST",
        "/sign-in",
        data={"token": "prm_0123456789abcdef_nope", **console.sign_in_csrf()},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert 'href="#token"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "unauthorized" in answer.text
    assert "premiere_session" not in answer.headers.get("set-cookie", "")
    with console.store.read() as session:
        assert list(session.scalars(select(ConsoleSession))) == []


def test_sign_in__empty_token__asks_for_one(console: Console) -> None:
    answer = console.client.request(
        "POST", "/sign-in", data={"token": " ", **console.sign_in_csrf()}
    )
    assert answer.status_code == 422
    assert "Enter an admin token" in answer.text


def test_sign_in__sdk_token__refused(console: Console) -> None:
    made = tokens.create_token(console.store, SYSTEM, {"name": "deployer", "scope": "deploy"})
    answer = console.client.request(
        "POST", "/sign-in", data={"token": made["token"], **console.sign_in_csrf()}
    )
    assert answer.status_code == 422
    assert "admin token" in answer.text
    assert "forbidden" in answer.text


def test_sign_in__next_elsewhere__stays_on_this_site(console: Console) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        answer = console.client.request(
            "POST",
            "/sign-in",
            data={"token": console.admin_token, "next": target, **console.sign_in_csrf()},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/", target


def test_sign_out__ends_the_session_on_the_server(demo: Console) -> None:
    raw = demo.client.cookies["premiere_session"]
    csrf = demo.csrf("/projects/demo")
    answer = demo.client.request("POST", "/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in"
    # the old cookie, replayed, no longer signs anyone in
    demo.client.cookies.set("premiere_session", raw)
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 303


def test_session__idle_longer_than_the_timeout__ends(demo: Console) -> None:
    demo.clock.advance(seconds=IDLE_SECONDS - 60)
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 200
    demo.clock.advance(seconds=IDLE_SECONDS - 60)  # used a minute before: still alive
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 200
    demo.clock.advance(seconds=IDLE_SECONDS + 1)
    answer = demo.client.get("/projects/demo", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")
    with demo.store.read() as session:
        assert session.scalars(select(ConsoleSession)).one().ended_at == demo.clock.now


def test_session__older_than_the_maximum_age__ends_even_in_use(demo: Console) -> None:
    for _ in range(MAX_AGE_SECONDS // (IDLE_SECONDS // 2)):
        demo.clock.advance(seconds=IDLE_SECONDS // 2)
        demo.client.get("/projects/demo", follow_redirects=False)
    demo.clock.advance(seconds=1)
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 303


def test_session__its_token_revoked__ends(demo: Console) -> None:
    made = tokens.create_token(demo.store, SYSTEM, {"name": "second admin", "scope": "admin"})
    demo.sign_in(made["token"])
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 200
    tokens.revoke_token(demo.store, SYSTEM, made["id"])
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 303
    with demo.store.read() as session:
        ended = session.scalars(
            select(ConsoleSession).where(ConsoleSession.token_id == made["id"])
        ).one()
    assert ended.ended_at is not None


def test_session__unknown_cookie__signs_in_no_one(console: Console) -> None:
    console.client.cookies.set("premiere_session", "x" * 43)
    assert console.client.get("/", follow_redirects=False).status_code == 303


def test_sign_in__without_the_forms_csrf_token__403_and_no_session(console: Console) -> None:
    # Given another site posting the form with a token it knows (login CSRF)
    console.csrf("/sign-in")  # the browser holds a sign-in cookie from an earlier visit
    for data in ({"token": console.admin_token}, {"token": console.admin_token, "csrf": "x"}):
        answer = console.client.request("POST", "/sign-in", data=data, follow_redirects=False)
        # Then nothing signs in
        assert answer.status_code == 403
        assert "csrf_failed" in answer.text
    with console.store.read() as session:
        assert list(session.scalars(select(ConsoleSession))) == []


def test_sign_in_page__signed_in_already__goes_on(demo: Console) -> None:
    answer = demo.client.get("/sign-in?next=/projects/demo", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/demo"
