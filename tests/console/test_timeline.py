"""The timeline page against the demo project: items, filters as a GET form, paging, live."""

from __future__ import annotations

import re
from html import unescape

from premiere.services import Actor
from premiere.services.flags.definitions import create_flag
from premiere.services.insights.timeline import list_timeline

from .conftest import Console

PAGE = "/projects/demo/timeline"


def _titles(html: str) -> list[str]:
    found = re.findall(r'<a class="timeline__title" href="[^"]*">([^<]*)</a>', html)
    return [unescape(title) for title in found]


def test_timeline_page__demo__items_newest_first_linked_in_navigation(demo: Console) -> None:
    html = demo.client.get(PAGE).text
    assert "<h1>Timeline</h1>" in html
    expected = list_timeline(demo.store, "demo", limit=25)["items"]
    assert _titles(html) == [item["title"] for item in expected]
    assert '<a href="/projects/demo/timeline" aria-current="page">Timeline</a>' in html
    assert 'data-live="/console/stream?project=demo"' in html


def test_timeline_page__categories_and_environment__filter_like_the_service(
    demo: Console,
) -> None:
    params = {"category": ["deployment", "release"], "environment": "production"}
    html = demo.client.get(PAGE, params=params).text
    expected = list_timeline(
        demo.store, "demo", categories=["deployment", "release"], environment="production", limit=25
    )["items"]
    assert expected
    assert len(_titles(html)) == len(expected)
    assert {item["category"] for item in expected} <= {"deployment", "release"}
    assert 'value="deployment" checked' in html
    assert 'value="flag">' in html
    assert 'data-fragment="/projects/demo/timeline/items?environment=production' in html


def test_timeline_page__next_page__cursor_link_keeps_filters_and_is_not_live(
    demo: Console,
) -> None:
    first = demo.client.get(PAGE, params={"category": "deployment"}).text
    link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert link is not None
    target = link.group(1).replace("&amp;", "&")
    assert "category=deployment" in target
    second = demo.client.get(target).text
    assert 0 < len(_titles(second)) <= 25
    assert set(_titles(second)).isdisjoint(_titles(first))
    assert "data-live" not in second


def test_timeline_items__new_change__appears_in_the_fragment(demo: Console) -> None:
    create_flag(demo.store, Actor(kind="user", id="u", name="Ada"), "demo", {"key": "brand-new"})
    html = demo.client.get(PAGE + "/items", params={"category": "flag"}).text
    assert _titles(html)[0] == "Flag brand-new created"
    assert "<h1>" not in html


def test_timeline_page__bad_filters__errors_at_the_fields(demo: Console) -> None:
    answer = demo.client.get(PAGE, params={"category": "weather", "since": "soon"})
    assert answer.status_code == 422
    assert 'href="#category"' in answer.text
    assert 'href="#since"' in answer.text
    assert demo.client.get(PAGE, params={"cursor": "garbage"}).status_code == 422
