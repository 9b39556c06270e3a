"""The audit page against the demo project: filters, diffs, paging."""

from __future__ import annotations

import re

from premiere.services import SYSTEM, Actor, catalog
from premiere.services.audit import list_audit_events

from .conftest import Console

PAGE = "/projects/demo/audit"


def _actions(html: str) -> list[str]:
    return re.findall(r'<h2 class="audit-event__title"><code>([a-z_.]+)</code>', html)


def test_audit__demo__events_newest_first(demo: Console) -> None:
    html = demo.client.get(PAGE).text
    assert "<h1>Audit log</h1>" in html
    expected = list_audit_events(demo.store, project="demo", limit=25)["items"]
    assert _actions(html) == [event["action"] for event in expected]
    assert '<a href="/projects/demo/audit" aria-current="page">Audit</a>' in html


def test_audit__update__diff_shows_only_changed_fields(demo: Console) -> None:
    # Given a service renamed by someone
    actor = Actor(kind="token", id="t1", name="Ada")
    version = catalog.get_service(demo.store, "demo", "web")["version"]
    catalog.update_service(demo.store, actor, "demo", "web", {"name": "Web shop"}, version)
    html = demo.client.get(PAGE, params={"actor": "Ada"}).text
    assert _actions(html) == ["service.updated"]
    diff = html[html.index('<table class="diff">') : html.index("</table>")]
    assert '<th scope="row">name</th>' in diff
    assert '<code>"Web shop"</code>' in diff
    assert '<th scope="row">description</th>' not in diff


def test_audit__created__diff_has_no_before(demo: Console) -> None:
    catalog.create_service(demo.store, SYSTEM, "demo", {"key": "mailer", "name": "<b>Mail</b>"})
    html = demo.client.get(PAGE, params={"resource_key": "mailer"}).text
    assert _actions(html) == ["service.created"]
    assert "absent" in html
    assert "<b>Mail</b>" not in html


def test_audit__filters__combine_like_the_service(demo: Console) -> None:
    html = demo.client.get(PAGE, params={"resource_type": "deployment"}).text
    assert _actions(html)
    assert all(action.startswith("deployment.") for action in _actions(html))
    html = demo.client.get(PAGE, params={"environment": "production", "action": "nope"}).text
    assert _actions(html) == []
    assert "No event matches" in html
    production = demo.client.get(PAGE, params={"environment": "production"}).text
    expected = list_audit_events(demo.store, project="demo", environment="production", limit=25)
    assert _actions(production) == [event["action"] for event in expected["items"]]
    assert (
        demo.client.get(PAGE, params={"until": "2000-01-01"}).text.count("audit-event__title") == 0
    )


def test_audit__many_events__cursor_pages_through_them(demo: Console) -> None:
    total = len(list_audit_events(demo.store, project="demo", limit=500)["items"])
    assert total > 25
    first = demo.client.get(PAGE).text
    link = re.search(r'<a href="(\?[^"]+)" rel="next">', first)
    assert link is not None
    second = demo.client.get(PAGE + link.group(1).replace("&amp;", "&")).text
    assert len(_actions(first)) == 25
    assert 0 < len(_actions(second)) <= 25


def test_audit__bad_filters__errors_at_the_fields(demo: Console) -> None:
    answer = demo.client.get(PAGE, params={"since": "not a time"})
    assert answer.status_code == 422
    assert 'href="#since"' in answer.text
    assert demo.client.get(PAGE, params={"cursor": "garbage"}).status_code == 422
    assert demo.client.get(PAGE, params={"actor": "a\x00b"}).status_code == 422


def test_audit__unknown_project__html_404(demo: Console) -> None:
    answer = demo.client.get("/projects/nope/audit")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
