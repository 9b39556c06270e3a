"""docs/webhooks.md says what the code does: every event type with the audit actions
that mean it, the retry schedule, the limits of an attempt."""

from __future__ import annotations

import random
from pathlib import Path

from premiere.services.communication import delivery
from premiere.services.communication.announce import MAX_ATTEMPTS
from premiere.services.communication.events import EVENT_TYPES
from premiere.services.communication.webhooks import URL_MAX

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text("utf-8")


class Highest(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def test_webhooks_md__every_event_type__in_the_table() -> None:
    rows = {line.split("|")[1].strip().strip("`") for line in PAGE.splitlines()
            if line.startswith("| `")}  # fmt: skip
    assert set(EVENT_TYPES) <= rows
    for event_type, (_, actions) in EVENT_TYPES.items():
        for action in actions.replace(";", " ").replace(",", " ").split():
            if "." in action and action != event_type:
                assert f"`{action}`" in PAGE, f"{event_type}: {action} not documented"


def test_webhooks_md__retry_schedule__as_the_code_waits() -> None:
    waits = [delivery.backoff(n, Highest()).total_seconds() for n in range(1, MAX_ATTEMPTS)]
    assert waits[:3] == [30, 90, 270]
    assert "| 1 | 30 s |" in PAGE and "| 2 | 90 s |" in PAGE
    assert "| 8, 9 | 12 h |" in PAGE and waits[-2:] == [12 * 3600, 12 * 3600]
    assert f"After the {MAX_ATTEMPTS}th failed attempt" in PAGE
    assert f"{int(delivery.TIMEOUT_SECONDS)}-second timeout" in PAGE
    assert f"{int(delivery.LEASE.total_seconds())}-second lease" in PAGE
    assert f"first {delivery.EXCERPT_MAX} characters" in PAGE
    assert f"at most {URL_MAX} characters" in PAGE
