"""CSRF, security headers, static files at hashed URLs, error pages, escaping."""

from __future__ import annotations

import re

from sqlalchemy import select

from premiere.services import SYSTEM, projects
from premiere.store.models import ConsoleSession

from .conftest import Console

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _assert_secure(headers: dict[str, str] | object) -> None:
    assert headers["content-security-policy"] == CSP  # type: ignore[index]
    assert headers["referrer-policy"] == "same-origin"  # type: ignore[index]
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]


def test_sign_out__without_csrf_token__403_and_the_session_lives(demo: Console) -> None:
    answer = demo.client.request("POST", "/sign-out", data={}, follow_redirects=False)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "csrf_failed" in answer.text
    assert demo.client.get("/projects/demo", follow_redirects=False).status_code == 200
    with demo.store.read() as session:
        assert session.scalars(select(ConsoleSession)).one().ended_at is None


def test_sign_out__with_another_sessions_csrf_token__403(demo: Console) -> None:
    mine = demo.csrf("/projects/demo")
    demo.sign_in()  # a second session: its token differs
    assert demo.csrf("/projects/demo") != mine
    answer = demo.client.request("POST", "/sign-out", data={"csrf": mine})
    assert answer.status_code == 403


def test_console_responses__carry_the_security_headers(demo: Console) -> None:
    for path in ("/projects/demo", "/sign-in", "/no/such/page", "/projects/demo/fragments/matrix"):
        answer = demo.client.get(path, follow_redirects=False)
        _assert_secure(answer.headers)
    answer = demo.client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    _assert_secure(answer.headers)


def test_pages__have_no_inline_script_or_style(demo: Console) -> None:
    html = demo.client.get("/projects/demo").text
    assert "<style" not in html
    assert " style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag


def test_static__hashed_url__served_immutable(demo: Console) -> None:
    html = demo.client.get("/projects/demo").text
    css = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', html)
    js = re.search(r'src="(/static/js/live\.[0-9a-f]{12}\.js)"', html)
    assert css and js
    for url, kind in ((css.group(1), "text/css"), (js.group(1), "text/javascript")):
        answer = demo.client.get(url)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(kind)
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        _assert_secure(answer.headers)
    assert "prefers-color-scheme: dark" in demo.client.get(css.group(1)).text


def test_static__unhashed_or_unknown_name__404(console: Console) -> None:
    for url in ("/static/app.css", "/static/app.000000000000.css", "/static/../settings.py"):
        assert console.client.get(url).status_code == 404


def test_unknown_page__friendly_html_404(console: Console) -> None:
    answer = console.client.get("/no/such/page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in answer.text
    assert 'href="/"' in answer.text


def test_unknown_api_path__keeps_its_json_404(console: Console) -> None:
    for path in ("/api/v1/no-such-thing", "/ofrep/v1/nothing"):
        answer = console.client.get(path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"


def test_metrics_without_token__json_401_for_the_scraper(console: Console) -> None:
    answer = console.client.get("/metrics")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_api_error__stays_json_with_the_console_installed(console: Console) -> None:
    answer = console.client.get(
        "/api/v1/projects/nope", headers={"Authorization": f"Bearer {console.admin_token}"}
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["details"]["resource"] == "project"


def test_unknown_project__html_404_page(demo: Console) -> None:
    answer = demo.client.get("/projects/nope")
    assert answer.status_code == 404
    assert "project &#39;nope&#39;" in answer.text or "nope" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_markup_in_names_and_addresses__is_escaped(demo: Console) -> None:
    # Given a project whose name is markup (keys cannot hold it: [A-Za-z0-9._-])
    markup = "<script>alert(1)</script>"
    projects.create_project(demo.store, SYSTEM, {"key": "xss", "name": markup})
    # When its overview, the switcher and the sign-in page's return address show it
    pages = [
        demo.client.get("/projects/xss").text,
        demo.client.get("/projects/demo").text,
        demo.client.get("/projects/%3Cimg%20src=x%20onerror=alert(1)%3E").text,
        demo.client.get("/sign-in", params={"next": f"/{markup}"}).text,
    ]
    # Then it is text, never markup
    for html in pages:
        assert markup not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
