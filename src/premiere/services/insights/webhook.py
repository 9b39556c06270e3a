"""Incidents from a monitoring tool: one generic JSON payload, mapped to an incident.

``{"id": "<the tool's id>", "status": "open" | "resolved", "title", "severity",
"started_at", "ended_at", "deployment", "release", "flag", "resolution"}``. The first
payload for an id records the incident (``started_at`` defaults to now); a later
``resolved`` one ends it (``ended_at`` defaults to now); an ``open`` one for an id
already known changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from premiere.services import Actor
from premiere.services.insights.incidents import (
    FIELDS,
    end_incident,
    find_incident_by_external_id,
    get_incident,
    record_incident,
)
from premiere.services.mappers import format_time
from premiere.services.validation import Validator
from premiere.store import Store

STATUSES = ("open", "resolved")
EXTERNAL_ID_MAX = 200


def receive_incident_webhook(
    store: Store, actor: Actor, project: str, payload: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """Returns ``{"result": "recorded" | "ended" | "unchanged", "incident": view}``."""
    validator = Validator(payload)
    validator.allowed(("id", "status", *FIELDS))
    external = payload.get("id")
    if validator.required("id") and (
        not isinstance(external, str) or not external.strip() or len(external) > EXTERNAL_ID_MAX
    ):
        validator.add("id", "max_length", f"must be 1 to {EXTERNAL_ID_MAX} characters")
    status = payload.get("status") or "open"
    if status not in STATUSES:
        validator.add("status", "enum", "must be open or resolved")
    validator.raise_if_any()
    assert isinstance(external, str)
    known = find_incident_by_external_id(store, project, external)
    resolved = status == "resolved"
    if known is None:
        data = {key: payload[key] for key in FIELDS if payload.get(key) is not None}
        data.setdefault("started_at", format_time(now))
        data.setdefault("severity", "sev3")
        if resolved:
            data.setdefault("ended_at", format_time(now))
        view = record_incident(store, actor, project, data, source="webhook", external_id=external)
        return {"result": "recorded", "incident": view}
    if resolved:
        end = {key: payload[key] for key in ("ended_at", "resolution") if payload.get(key)}
        end.setdefault("ended_at", format_time(now))
        return {"result": "ended", "incident": end_incident(store, actor, project, known, end)}
    return {"result": "unchanged", "incident": get_incident(store, project, known)}
