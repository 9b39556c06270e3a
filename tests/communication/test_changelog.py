"""The public changelog through the real app: the page, the Atom feed (read back with
``feedparser``) and the JSON Feed (checked against a schema of version 1.1) show the
published notes for everyone and nothing else; an XSS corpus stays inert; ETags and
304; a changelog turned off answers 404."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest

from premiere.services.communication import changelog
from premiere.services.communication import entries as notes
from premiere.store import Store
from tests.api.support import SyncClient
from tests.releases.conftest import CREATOR

from .changelog_support import SECRET, XSS_TITLES, Notes, assert_inert, seed_notes, site, turn_on

SCHEMA = json.loads(Path(__file__).with_name("jsonfeed-1.1.schema.json").read_text())
ATOM = "{http://www.w3.org/2005/Atom}"
PAGE, FEED_ATOM, FEED_JSON = (
    "/changelog/demo",
    "/changelog/demo/feed.atom",
    "/changelog/demo/feed.json",
)


@pytest.fixture
def seeded(store: Store, release: dict[str, Any]) -> Notes:
    return seed_notes(store, release)


@pytest.fixture
def client(store: Store, seeded: Notes) -> Iterator[SyncClient]:
    turn_on(store, ["new", "improved"])
    yield from site(store)


def test_json_feed__public_notes_only__valid_json_feed_1_1(
    client: SyncClient, seeded: Notes
) -> None:
    response = client.get(FEED_JSON)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"
    feed = response.json()
    jsonschema.validate(feed, SCHEMA)
    ids = [item["id"] for item in feed["items"]]
    assert ids == [f"urn:premiere:demo:note:{n}" for n in reversed(seeded.public)]
    assert feed["feed_url"] == "http://testserver/changelog/demo/feed.json"
    assert SECRET not in response.text


def test_atom_feed__public_notes_only__read_back_by_feedparser(
    client: SyncClient, seeded: Notes
) -> None:
    response = client.get(FEED_ATOM)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "demo changelog"
    assert [entry.id for entry in parsed.entries] == [
        f"urn:premiere:demo:note:{n}" for n in reversed(seeded.public)
    ]
    first = parsed.entries[-1]
    assert first.title == "A faster checkout"
    assert first.link == f"http://testserver/changelog/demo#note-{seeded.public[0]}"
    assert [tag.term for tag in first.tags] == ["new"]
    assert SECRET not in response.text


def test_changelog_page__public_notes_only(client: SyncClient, seeded: Notes) -> None:
    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.text
    for note_id in seeded.public:
        assert f'id="note-{note_id}"' in html
    for what, note_id in seeded.hidden.items():
        assert f'id="note-{note_id}"' not in html, what
    assert SECRET not in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert response.headers["cache-control"] == "public, max-age=60"


def test_feeds_and_page__xss_corpus__inert(client: SyncClient) -> None:
    page = client.get(PAGE).text
    atom = client.get(FEED_ATOM).content
    feed = client.get(FEED_JSON)

    assert_inert(page, own_scripts=True)
    for title in XSS_TITLES:  # text, escaped
        assert title not in page
    root = ET.fromstring(atom)
    for entry in root.iter(f"{ATOM}entry"):
        assert_inert(entry.findtext(f"{ATOM}content") or "")
        assert entry.find(f"{ATOM}title").get("type", "text") == "text"  # type: ignore[union-attr]
    assert "<" not in feed.content.decode().replace("\\u003c", "")  # no markup in the bytes
    items = feed.json()["items"]
    for item in items:
        assert_inert(item["content_html"])
        assert all(link["url"].startswith("https://") for link in item["_premiere"]["links"])
    assert {item["title"] for item in items} >= set(XSS_TITLES)  # plain text, as written


def test_feeds__javascript_link_in_the_store__left_out(client: SyncClient, seeded: Notes) -> None:
    page, atom = client.get(PAGE).text, client.get(FEED_ATOM).text
    items = client.get(FEED_JSON).json()["items"]

    poisoned = next(i for i in items if i["id"].endswith(f":{seeded.public[-1]}"))
    assert [link["label"] for link in poisoned["_premiere"]["links"]] == ["<b>docs</b>"]
    entry = next(
        e for e in ET.fromstring(atom).iter(f"{ATOM}entry")
        if (e.findtext(f"{ATOM}id") or "").endswith(f":{seeded.public[-1]}")
    )  # fmt: skip
    content = entry.findtext(f"{ATOM}content") or ""
    assert '<a href="https://docs.example.com/guide?a=1&amp;b=2">' in content
    assert_inert(content)  # every href parsed: none is javascript:
    assert_inert(page, own_scripts=True)


@pytest.mark.parametrize("path", [FEED_ATOM, FEED_JSON])
def test_feeds__etag__304_then_200_after_a_new_note(
    client: SyncClient, store: Store, release: dict[str, Any], path: str
) -> None:
    first, twice = client.get(path), client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    weak = client.get(path, headers={"If-None-Match": f'"x", W/{first.headers["etag"]}'})
    note = notes.create_note(store, CREATOR, "demo", release["key"], {"title": "Later"})
    notes.publish_note(store, CREATOR, "demo", release["key"], note["id"])
    changed = client.get(path, headers={"If-None-Match": first.headers["etag"]})

    assert (first.headers["etag"], first.content) == (twice.headers["etag"], twice.content)
    assert (again.status_code, again.content) == (304, b"")
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]


def test_changelog__turned_off__404_everywhere(client: SyncClient, store: Store) -> None:
    from premiere.services.communication import changelog

    version = changelog.get_changelog_settings(store, "demo")["version"]
    changelog.update_changelog_settings(store, CREATOR, "demo", {"enabled": False}, version)

    for path in (PAGE, FEED_ATOM, FEED_JSON, "/changelog/nope", "/changelog/nope/feed.json"):
        assert client.get(path).status_code == 404, path


def test_changelog__turned_off__404(store: Store, seeded: Notes) -> None:
    version = changelog.get_changelog_settings(store, "demo")["version"]
    changelog.update_changelog_settings(store, CREATOR, "demo", {"enabled": False}, version)

    for client in site(store):
        for path in (PAGE, FEED_ATOM, FEED_JSON):
            assert client.get(path).status_code == 404, path


def test_changelog__categories_setting__filters(
    client: SyncClient, store: Store, seeded: Notes
) -> None:
    turn_on(store, ["security"])

    items = client.get(FEED_JSON).json()["items"]

    assert [item["id"] for item in items] == [f"urn:premiere:demo:note:{seeded.hidden['security']}"]


def test_changelog_page__many_notes__paged_by_older_link(
    client: SyncClient, store: Store, release: dict[str, Any], seeded: Notes
) -> None:
    for n in range(20):
        note = notes.create_note(store, CREATOR, "demo", release["key"], {"title": f"N{n}"})
        notes.publish_note(store, CREATOR, "demo", release["key"], note["id"])

    first = client.get(PAGE).text
    marker = 'rel="next"'
    older = first[: first.index(marker)].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).text

    assert first.count('class="changelog-entry"') == 20
    assert second.count('class="changelog-entry"') == len(seeded.public)
    assert marker not in second
    assert client.get(PAGE + "?cursor=nonsense").status_code == 422
