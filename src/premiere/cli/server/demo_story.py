"""The demo's go-to-market and communication story, seeded after its flags and
deployments: the project's checklist template, an earlier release already finished
(so its notes are public and a changelog is not empty), and the note entries of the
draft release ``recommendations-v2``. Everything goes through the services, as the
``demo`` system actor, like the rest of the demo (``demo.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from premiere.services import Actor
    from premiere.store import Store

TEMPLATE_ITEMS: list[dict[str, Any]] = [
    {"key": "docs-published", "title": "Docs published", "owner": "docs@acme.example",
     "due_days_before": 2},
    {"key": "support-briefed", "title": "Support briefed", "owner": "support@acme.example",
     "required": True, "due_days_before": 1},
    {"key": "announcement-approved", "title": "Announcement approved",
     "owner": "marketing@acme.example"},
]  # fmt: skip
CHECKLIST_TEMPLATE = {"items": TEMPLATE_ITEMS}
"""Every new release of the demo gets these items; support must be briefed before a start."""

# Payments v2 is on for everyone in production already; this release, finished, is
# what customers were told about it. Its flag's configuration stays as it was.
EARLIER_RELEASE = {
    "key": "payments-v2-launch",
    "name": "Payments v2",
    "description": "The new payment provider, for everyone.",
    "environment": "production",
    "features": [{"flag": "payments-v2", "variation": 0}],
    "plan": {"stages": [{"percent": 100, "hold_seconds": 0, "advance": "manual"}]},
    "required_approvals": 0,
    "announce": {"at": "released"},
    "notes": {
        "title": "Pay with more cards",
        "body": "Checkout now takes **American Express** and **Apple Pay**.",
        "category": "new",
    },
}  # fmt: skip

EARLIER_NOTES = [
    {"title": "Fewer declined payments", "category": "fixed",
     "body": "Cards that failed with *try again later* now go through on the first attempt.",
     "links": [{"label": "Payment options", "url": "https://help.acme.example/payments"}]},
]  # fmt: skip

RELEASE_NOTES = [
    {"title": "Recommendations on the home page, for beta testers first",
     "category": "improved", "audience": "beta-testers",
     "body": "Beta testers see their recommendations on the home page too. Tell us what "
             "you think!"},
    {"title": "No more recommendations of what you just bought", "category": "fixed",
     "body": "What you bought last week no longer shows up as a recommendation.",
     "internal": "Support: a shopper who wants the old recommendations back can be "
                 "targeted with recommendations-model = v1. Escalate to #team-ml."},
]  # fmt: skip
"""Note entries added to the demo release after its first one (its ``notes``)."""

FIRST_NOTE_EXTRAS = {
    "features": ["recommendations-model"],
    "links": [{"label": "How recommendations work",
               "url": "https://help.acme.example/recommendations"}],
}  # fmt: skip


def seed_checklist_template(store: Store, actor: Actor, project: str) -> None:
    from premiere.services.releases.checklist_templates import set_checklist_template

    set_checklist_template(store, actor, project, CHECKLIST_TEMPLATE)


def seed_earlier_release(store: Store, actor: Actor, project: str) -> str:
    """Create, tick, start and finish ``payments-v2-launch``: its notes are published."""
    from premiere.services.communication import entries
    from premiere.services.releases import checklist, records

    key = str(EARLIER_RELEASE["key"])
    release = records.create_release(store, actor, project, EARLIER_RELEASE)
    for note in EARLIER_NOTES:
        entries.create_note(store, actor, project, key, note)
    for item in TEMPLATE_ITEMS:
        checklist.tick_checklist_item(store, actor, project, key, str(item["key"]))
    release = records.get_release(store, project, key)
    release = records.start_release(store, actor, project, key, {}, release["version"])
    records.advance_release(store, actor, project, key, {}, release["version"])
    return key


def seed_release_notes(store: Store, actor: Actor, project: str, release: str) -> None:
    """The demo release's first note linked to its feature, and two more entries."""
    from premiere.services.communication import entries

    first = entries.list_release_notes(store, project, release)[0]
    entries.update_note(
        store, actor, project, release, first["id"], FIRST_NOTE_EXTRAS, first["version"]
    )
    for note in RELEASE_NOTES:
        entries.create_note(store, actor, project, release, note)


def story_summary(store: Store, project: str) -> dict[str, Any]:
    """What the story made, for the seed's summary."""
    from premiere.services.communication.listing import list_project_notes

    published = list_project_notes(store, project, state="published")
    return {
        "checklist_template": [item["key"] for item in TEMPLATE_ITEMS],
        "published_notes": len(published["items"]),
    }
