"""A changelog's entries as an Atom feed (RFC 4287, written with ``feedgen``) and as a
JSON Feed (version 1.1, https://www.jsonfeed.org/version/1.1/).

Both hold the same entries, newest first: a note's title as text, its body as the
sanitised HTML of :func:`~premiere.services.communication.markdown.render_markdown`,
its category, its release, and its links and image when their URLs are ``http`` or
``https`` (others are left out): in Atom the links follow the body as a list, in the
JSON Feed they are in the item's ``_premiere`` extension. The same entries give the
same bytes — every date comes from the data, none from the clock — so the ETag is a
hash of them. The JSON is written with ``<``, ``>`` and ``&`` escaped (``\\u003c``...),
so that no markup appears in its bytes even though a title is plain text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, TypedDict
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/feed+json; charset=utf-8"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class Link(TypedDict):
    label: str
    url: str


class ChangelogEntry(TypedDict):
    """A note as the changelog shows it."""

    id: int
    title: str
    body_html: str
    category: str
    release: str
    release_name: str
    links: list[Link]
    image_url: str | None
    published_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FeedSource:
    """What a feed is about and where it lives (absolute URLs)."""

    project: str
    title: str
    page_url: str
    feed_url: str
    updated: datetime
    """The feed's last change when it has no entry (its settings' last change)."""


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str


def build_atom_feed(source: FeedSource, entries: Sequence[ChangelogEntry]) -> Feed:
    feed = FeedGenerator()
    feed.id(f"urn:premiere:{source.project}:changelog")
    feed.title(source.title)
    feed.link(href=source.page_url, rel="alternate")
    feed.link(href=source.feed_url, rel="self")
    feed.updated(_updated(source, entries))
    feed.generator("Premiere")
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry_id(source, entry))
        item.title(entry["title"])
        item.link(href=entry_url(source, entry), rel="alternate")
        item.content(entry["body_html"] + _links_html(entry), type="html")
        item.category(term=entry["category"])
        item.published(entry["published_at"])
        item.updated(entry["updated_at"])
    return _feed(feed.atom_str(pretty=True))


def build_json_feed(source: FeedSource, entries: Sequence[ChangelogEntry]) -> Feed:
    document = {
        "version": JSON_FEED_VERSION,
        "title": source.title,
        "home_page_url": source.page_url,
        "feed_url": source.feed_url,
        "items": [_json_item(source, entry) for entry in entries],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, code)
    return _feed(text.encode())


def _json_item(source: FeedSource, entry: ChangelogEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry_id(source, entry),
        "url": entry_url(source, entry),
        "title": entry["title"],
        "content_html": entry["body_html"],
        "date_published": _rfc3339(entry["published_at"]),
        "date_modified": _rfc3339(entry["updated_at"]),
        "tags": [entry["category"]],
        "_premiere": {
            "release": entry["release"],
            "release_name": entry["release_name"],
            "category": entry["category"],
            "links": safe_links(entry),
        },
    }
    if entry["image_url"] and is_web_url(entry["image_url"]):
        item["image"] = entry["image_url"]
    return item


def entry_id(source: FeedSource, entry: ChangelogEntry) -> str:
    """Stable for the note's life: its project and id."""
    return f"urn:premiere:{source.project}:note:{entry['id']}"


def entry_url(source: FeedSource, entry: ChangelogEntry) -> str:
    return f"{source.page_url}#note-{entry['id']}"


def safe_links(entry: ChangelogEntry) -> list[Link]:
    return [link for link in entry["links"] if is_web_url(link["url"])]


def is_web_url(url: str) -> bool:
    """An absolute ``http`` or ``https`` URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _links_html(entry: ChangelogEntry) -> str:
    """The links as a list after the body (``feedgen`` writes an entry's links without
    their ``rel``, which would make each an alternate of the entry)."""
    items = "".join(
        f'<li><a href="{escape(link["url"])}">{escape(link["label"])}</a></li>'
        for link in safe_links(entry)
    )
    return f"<ul>{items}</ul>" if items else ""


def _updated(source: FeedSource, entries: Sequence[ChangelogEntry]) -> datetime:
    return max([source.updated, *(entry["updated_at"] for entry in entries)])


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _feed(body: bytes) -> Feed:
    return Feed(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison: ``W/`` is
    ignored; ``*`` matches)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
