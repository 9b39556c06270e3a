"""Email to subscribers, sent over SMTP (``PREMIERE_SMTP_*``) by the delivery worker.

Each email says what happened in its subject and body and carries the subscriber's
unsubscribe link, in the body and as ``List-Unsubscribe`` with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), so mail clients
offer a one-click unsubscribe.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from premiere.services.communication.signing import summary_of
from premiere.settings import Settings

TIMEOUT_SECONDS = 10.0
LONG_LINES = SMTP.clone(max_line_length=998)  # an unsubscribe link stays one line


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    public_url: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        """The mailer ``settings`` describe, or None without ``PREMIERE_SMTP_HOST``."""
        if not settings.smtp_host:
            return None
        return cls(
            settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.public_url,
            settings.smtp_username, settings.smtp_password, settings.smtp_starttls,
        )  # fmt: skip

    def message(
        self, to: str, token: str, message_id: str, payload: dict[str, Any]
    ) -> EmailMessage:
        link = f"{self.public_url}/api/v1/unsubscribe/{token}"
        data = payload.get("data") or {}
        summary = summary_of(payload["type"], data)
        message = EmailMessage(policy=LONG_LINES)
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = f"[{data.get('project', 'premiere')}] {summary}"
        message["X-Premiere-Event-Id"] = message_id
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        actor = (data.get("actor") or {}).get("name")
        lines = [summary, ""] + ([f"By {actor}."] if actor else [])
        lines += ["", f"Unsubscribe: {link}"]
        message.set_content("\n".join(lines))
        return message

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
