"""The public changelog: ``/changelog/<project>`` (a page of release notes, older ones
behind a link), ``/changelog/<project>/feed.atom`` and ``/changelog/<project>/feed.json``.

No sign-in: these are for a product's users. They answer 404 when the project's
changelog is off (:mod:`premiere.services.communication.changelog`). The feeds answer
with an ``ETag`` and ``304`` to ``If-None-Match``; the page and the feeds may be cached
for a minute."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import store_of
from premiere.console.pages import page, secure
from premiere.services.communication.changelog import ChangelogPage, list_changelog_entries
from premiere.services.communication.feeds import (
    ATOM_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    ChangelogEntry,
    Feed,
    FeedSource,
    build_atom_feed,
    build_json_feed,
    etag_matches,
    safe_links,
)

router = APIRouter(include_in_schema=False)

CHANGELOG = "/changelog/{project}"
PAGE_SIZE = 20
FEED_SIZE = 50
CACHE = "public, max-age=60"


@router.get(CHANGELOG)
async def changelog_page(request: Request, project: str) -> Response:
    cursor = request.query_params.get("cursor")
    read = partial(list_changelog_entries, store_of(request), project, limit=PAGE_SIZE)
    changelog = await run_in_threadpool(read, cursor=cursor[:200] if cursor else None)
    base = f"/changelog/{project}"
    context = {
        "changelog": changelog,
        "entries": [_entry(entry) for entry in changelog["entries"]],
        "feeds": {"atom": f"{base}/feed.atom", "json": f"{base}/feed.json"},
        "next_url": _next_url(base, changelog["next_cursor"]),
        "first_page": cursor is None,
    }
    return page(request, "communication/changelog.html", context, headers={"Cache-Control": CACHE})


@router.get(CHANGELOG + "/feed.atom")
async def atom_feed(request: Request, project: str) -> Response:
    return await _feed(request, project, "feed.atom", build_atom_feed, ATOM_MEDIA_TYPE)


@router.get(CHANGELOG + "/feed.json")
async def json_feed(request: Request, project: str) -> Response:
    return await _feed(request, project, "feed.json", build_json_feed, JSON_MEDIA_TYPE)


Builder = Callable[[FeedSource, Sequence[ChangelogEntry]], Feed]


async def _feed(
    request: Request, project: str, name: str, build: Builder, media_type: str
) -> Response:
    read = partial(list_changelog_entries, store_of(request), project, limit=FEED_SIZE)
    changelog: ChangelogPage = await run_in_threadpool(read)
    page_url = f"{str(request.base_url).rstrip('/')}/changelog/{project}"
    source = FeedSource(
        project=project,
        title=changelog["title"],
        page_url=page_url,
        feed_url=f"{page_url}/{name}",
        updated=changelog["updated"],
    )
    feed = build(source, changelog["entries"])
    headers = {"ETag": feed.etag, "Cache-Control": CACHE}
    if etag_matches(request.headers.get("if-none-match", ""), feed.etag):
        return secure(Response(status_code=304, headers=headers))
    return secure(Response(feed.body, media_type=media_type, headers=headers))


def _entry(entry: ChangelogEntry) -> dict[str, Any]:
    """An entry as the page shows it: only links to web addresses."""
    return {**entry, "links": safe_links(entry)}


def _next_url(base: str, cursor: str | None) -> str | None:
    return f"{base}?{urlencode({'cursor': cursor})}" if cursor else None
