"""The timeline's response models (the shapes of services/insights/timeline.py)."""

from __future__ import annotations

from pydantic import Field

from premiere.api.models import ActorView, View


class TimelineItem(View):
    id: int = Field(description="The audit event's id.")
    at: str
    category: str = Field(
        description="deployment, flag, release, guard, approval, note, incident or other."
    )
    action: str = Field(description="The audit event's action, e.g. deployment.recorded.")
    title: str = Field(description="What happened, as a sentence.")
    actor: ActorView
    environment: str | None
    resource_type: str
    resource_key: str
    link: str = Field(description="The console page of what the item is about.")


class TimelinePage(View):
    items: list[TimelineItem]
    next_cursor: str | None = Field(description="Pass back as ?cursor= for the next page.")
