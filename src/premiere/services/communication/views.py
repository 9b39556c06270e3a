"""A note entry as JSON: the full view (for the people who write and support a
release) and the public view (for changelogs and feeds: no internal notes)."""

from __future__ import annotations

from typing import Any, TypedDict

from premiere.services.communication.markdown import render_markdown
from premiere.services.mappers import ActorView, format_time, stored_actor
from premiere.store.communication import NoteEntry
from premiere.store.releases import Release


class NoteView(TypedDict):
    id: int
    project: str
    release: str
    position: int
    title: str
    body: str
    body_html: str
    category: str
    audience: str | None
    features: list[str]
    links: list[dict[str, Any]]
    image_url: str | None
    internal: str
    state: str
    manual: str | None
    published_at: str | None
    created_by: ActorView
    version: int
    created_at: str
    updated_at: str


PUBLIC_FIELDS = (
    "id",
    "project",
    "release",
    "title",
    "body",
    "body_html",
    "category",
    "audience",
    "features",
    "links",
    "image_url",
    "published_at",
)


def release_features(release: Release) -> list[str]:
    return [str(feature["flag"]) for feature in release.spec["features"]]


def map_note_row_to_view(project: str, release: Release, row: NoteEntry) -> NoteView:
    return {
        "id": row.id,
        "project": project,
        "release": release.key,
        "position": row.position,
        "title": row.title,
        "body": row.body,
        "body_html": render_markdown(row.body),
        "category": row.category,
        "audience": row.audience,
        "features": list(row.features) if row.features is not None else release_features(release),
        "links": list(row.links),
        "image_url": row.image_url,
        "internal": row.internal,
        "state": row.state,
        "manual": row.manual,
        "published_at": format_time(row.published_at),
        "created_by": stored_actor(row.created_by),
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def map_note_view_to_public(view: NoteView) -> dict[str, Any]:
    """What may be shown outside: never the internal notes, the state machinery or
    who wrote it."""
    return {field: view[field] for field in PUBLIC_FIELDS}  # type: ignore[literal-required]
