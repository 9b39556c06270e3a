"""End users' feedback on the release's page: a table of reactions and comments per
stage, and an empty state saying where feedback comes from."""

from __future__ import annotations

from premiere.services import Actor
from premiere.services.communication import entries, feedback
from premiere.services.sdk.compiled import CompiledDocuments

from .conftest import Console

PAGE = "/projects/demo/releases/recommendations-v2"
KEY = "recommendations-v2"
WRITER = Actor(kind="token", id="e" * 16, name="writer")


def test_release_page__no_feedback__empty_state_names_the_export(demo: Console) -> None:
    html = demo.client.get(PAGE).text

    assert 'id="feedback-heading"' in html
    assert "No feedback yet." in html and "premiere feedback export recommendations-v2" in html


def test_release_page__feedback__counts_per_stage(demo: Console) -> None:
    note = entries.list_release_notes(demo.store, "demo", KEY)[0]
    entries.publish_note(demo.store, WRITER, "demo", KEY, note["id"])
    flags = CompiledDocuments(demo.store).get("demo", "production", client_only=False)
    for key, body in (("u1", {"reaction": "like"}), ("u2", {"reaction": "like", "comment": "ok"})):
        feedback.record_feedback(demo.store, flags, note["id"], {"key": key}, body)

    html = demo.client.get(PAGE).text

    table = html[html.index('id="feedback-heading"') : html.index('id="audit-heading"')]
    assert "<td>no stage</td><td>2</td><td>0</td><td>0</td><td>0</td><td>1</td>" in table
    assert "<td>all</td><td>2</td>" in table
