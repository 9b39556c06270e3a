"""Request bodies and response shapes of the outgoing webhooks' routes.

Bodies check shape and type only; services/communication/webhooks.py checks the URL,
the event types and the format, so every caller gets the same answers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictStr

from premiere.api.models import Body, Description, Version, View, optional

Url = Annotated[str, Field(strict=True, max_length=2000)]
EventTypes = Annotated[list[StrictStr], Field(max_length=50)]
Format = Literal["standard", "slack"]


class WebhookCreate(Body):
    url: Url = Field(description="http or https; no credentials, no fragment.")
    events: EventTypes = Field(description="Event types, e.g. release.started; see docs.")
    description: Description = optional()
    format: Format = optional("standard (signed JSON) or slack (a Slack message).")
    enabled: StrictBool = optional()


class WebhookUpdate(Body):
    url: Url = optional()
    events: EventTypes = optional()
    description: Description = optional()
    format: Format = optional()
    enabled: StrictBool = optional()
    version: Version = None


class OutgoingWebhookView(View):
    id: int
    project: str
    url: str
    description: str
    events: list[str]
    format: str
    enabled: bool
    version: int
    created_at: str
    updated_at: str


class OutgoingWebhookCreated(OutgoingWebhookView):
    secret: str = Field(description="whsec_…: shown in this answer only.")


class DeliveryAttemptView(View):
    at: str
    status_code: int | None
    response_excerpt: str
    error: str | None
    duration_ms: int


class OutboxDeliveryView(View):
    id: int
    webhook_id: int
    message_id: str = Field(description="The webhook-id header, the same on every attempt.")
    event_type: str
    status: str = Field(description="pending, delivered or failed.")
    attempts: int
    max_attempts: int
    next_attempt_at: str | None
    created_at: str
    delivered_at: str | None
    payload: dict[str, Any]
    log: list[DeliveryAttemptView]


class OutboxDeliveryPage(View):
    items: list[OutboxDeliveryView]
    next_cursor: str | None


class SubscriberCreate(Body):
    email: Annotated[str, Field(strict=True, max_length=320)]
    categories: Annotated[list[StrictStr], Field(max_length=10)] = Field(
        description="deployment, release, note, guard, readiness."
    )


class EmailSubscriberView(View):
    id: int
    project: str
    email: str
    categories: list[str]
    created_at: str


class UnsubscribedView(View):
    unsubscribed: str = Field(description="The email address that was unsubscribed.")
