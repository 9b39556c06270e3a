"""What a delivery sends: its body in the webhook's format and the Standard Webhooks
headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``), signed with
the webhook's secret (and, for a day after a rotation, also with the previous one).

Secrets are ``whsec_`` and base64 of 24 random bytes, as the Standard Webhooks
libraries expect.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from typing import Any

from standardwebhooks import Webhook as Signer

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_request(
    message_id: str,
    payload: dict[str, Any],
    body_format: str,
    keys: list[str],
    now: datetime,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt at ``now``, signed with every key."""
    body = json.dumps(
        slack_body(payload) if body_format == "slack" else payload,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    signatures = " ".join(Signer(key).sign(message_id, now, body) for key in keys)
    headers = {
        "content-type": "application/json",
        "user-agent": "Premiere-Webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }
    return body.encode(), headers


def slack_body(payload: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: a one-line ``text`` and a section block."""
    data = payload.get("data") or {}
    text = summary_of(payload["type"], data)
    actor = (data.get("actor") or {}).get("name")
    context = f"{data.get('project', '')}" + (f" · by {actor}" if actor else "")
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ],
    }


def summary_of(event_type: str, data: dict[str, Any]) -> str:
    """One line that says what happened, e.g. ``release.paused: checkout (production)``."""
    if event_type == "ping":
        return "Premiere test event: this webhook is reachable"
    where = f" ({data['environment']})" if data.get("environment") else ""
    return f"{event_type}: {data.get('resource_key', '')}{where}"
