"""Request bodies and response shapes of the notes API. Links are plain JSON here:
the services check them and name the field and rule broken."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from premiere.api.models import ActorView, Body, Version, View, optional

Title = Annotated[str, Field(strict=True, max_length=200)]
Markdown = Annotated[str, Field(strict=True, max_length=100_000)]
Text = Annotated[str, Field(strict=True, max_length=20_000)]
Json = Any


class NoteCreate(Body):
    title: Title
    body: Markdown = optional("Markdown; rendered and sanitised in body_html.")
    category: str = optional("new, improved, fixed, deprecated or security (default new).")
    audience: Json = optional('"everyone" (default) or a segment key.')
    features: Json = optional("Flag keys; null or absent: the release's features.")
    links: Json = optional('[{"label": ..., "url": "https://..."}].')
    image_url: Json = optional("An http(s) URL, or null.")
    internal: Text = optional("For support and sales; never in public output.")


class NoteUpdate(Body):
    title: Title = optional()
    body: Markdown = optional()
    category: str = optional()
    audience: Json = optional()
    features: Json = optional()
    links: Json = optional()
    image_url: Json = optional()
    internal: Text = optional()
    version: Version = None


class NoteView(View):
    id: int
    project: str
    release: str
    position: int = Field(description="Order among the release's notes; the first is `notes`.")
    title: str
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitised: safe to embed.")
    category: str
    audience: str | None = Field(description="A segment key; null: everyone.")
    features: list[str] = Field(description="Linked flags (default: the release's features).")
    links: list[dict[str, str]]
    image_url: str | None
    internal: str = Field(description="For support and sales; never in public output.")
    state: str = Field(description="draft, scheduled, published or rolled_back.")
    manual: str | None = Field(description="published / unpublished by a person, or null.")
    published_at: str | None = Field(description="RFC 3339, UTC: when it was last published.")
    created_by: ActorView
    version: int
    created_at: str
    updated_at: str


class PublicNoteView(View):
    id: int
    project: str
    release: str
    title: str
    body: str
    body_html: str
    category: str
    audience: str | None
    features: list[str]
    links: list[dict[str, str]]
    image_url: str | None
    published_at: str | None


class NotePage(View):
    items: list[NoteView | PublicNoteView] = Field(
        description="Notes, newest first (with public=true: their public view)."
    )
    next_cursor: str | None = Field(description="Pass back as ?cursor= for the next page.")


class WhatsNewNote(View):
    id: int
    release: str
    title: str
    body_html: str = Field(description="The note's Markdown, rendered and sanitised.")
    category: str
    published_at: str | None
    audience: str | None = Field(description="null: everyone; else a segment key.")
    features: list[str]
    seen: bool = Field(description="Whether the context's key has marked it seen.")


class WhatsNew(View):
    notes: list[WhatsNewNote] = Field(description="Newest first.")
    unseen: int


class FeedbackView(View):
    id: int
    release: str
    note: int
    environment: str
    context_key: str
    reaction: str | None = Field(description="like, dislike, love or confused.")
    comment: str | None = Field(description="Text as given; show it escaped.")
    variations: dict[str, Any] = Field(
        description='Per linked flag: {"variation", "value", "on"} the user had.'
    )
    release_state: str
    stage: int | None
    stage_label: str
    created_at: str


class FeedbackCounts(View):
    stage: int | None
    label: str
    feedback: int
    reactions: dict[str, int]
    comments: int


class FeedbackSummary(View):
    project: str
    release: str
    stages: list[FeedbackCounts]
    total: FeedbackCounts
