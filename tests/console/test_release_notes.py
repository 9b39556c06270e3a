"""A release's notes in the console: listed with their states on the release's page,
added and edited through forms (with a preview that saves nothing), published."""

from __future__ import annotations

from typing import Any

from premiere.services.communication import entries

from .conftest import Console

PAGE = "/projects/demo/releases/recommendations-v2"
KEY = "recommendations-v2"


def _post(demo: Console, path: str, data: dict[str, str], page: str = PAGE) -> Any:
    return demo.client.request(
        "POST", path, data={"csrf": demo.csrf(page), **data}, follow_redirects=False
    )


def _notes(demo: Console) -> list[Any]:
    return list(entries.list_release_notes(demo.store, "demo", KEY))


def test_release_page__notes__listed_with_category_and_state(demo: Console) -> None:
    html = demo.client.get(PAGE).text

    note = _notes(demo)[0]
    assert f'id="note-{note["id"]}"' in html
    assert 'badge--new">new' in html and 'badge--improved">improved' in html
    assert 'badge--draft">draft' in html
    assert "<strong>viewed</strong>" in html
    assert f'href="{PAGE}/notes/{note["id"]}"' in html


def test_add_note__form__created_then_shown(demo: Console) -> None:
    form = {"title": "Receipts", "category": "fixed", "audience": "staff", "body": "*Mailed*"}

    answer = _post(demo, f"{PAGE}/notes", {**form, "internal": "ask support"})

    assert answer.status_code == 303
    added = _notes(demo)[-1]
    assert answer.headers["location"] == f"{PAGE}#note-{added['id']}"
    assert (added["title"], added["audience"], added["internal"]) == (
        "Receipts",
        "staff",
        "ask support",
    )
    assert "<em>Mailed</em>" in demo.client.get(PAGE).text


def test_add_note__no_title__422_beside_the_field_nothing_created(demo: Console) -> None:
    answer = _post(demo, f"{PAGE}/notes", {"title": " ", "category": "new", "body": "x"})

    assert answer.status_code == 422
    assert 'href="#title"' in answer.text and 'id="title-error"' in answer.text
    assert len(_notes(demo)) == 3  # the demo's


def test_edit_note__preview__rendered_not_saved_then_saved(demo: Console) -> None:
    note = _notes(demo)[0]
    url = f"{PAGE}/notes/{note['id']}"
    form = {"title": "Smarter", "category": "new", "body": "<script>x()</script> **bold**"}
    form |= {"version": str(note["version"])}

    preview = _post(demo, url, {**form, "preview": "1"}, page=url)

    assert preview.status_code == 200
    assert "Preview (not saved)" in preview.text and "<strong>bold</strong>" in preview.text
    assert "<script>x()" not in preview.text
    assert _notes(demo)[0]["title"] == note["title"]
    saved = _post(demo, url, form, page=url)
    assert saved.status_code == 303
    assert _notes(demo)[0]["title"] == "Smarter"


def test_publish_note__form__published_with_badge(demo: Console) -> None:
    note = _notes(demo)[0]
    url = f"{PAGE}/notes/{note['id']}"

    answer = _post(demo, f"{url}/publish", {"version": str(note["version"])}, page=url)

    assert answer.status_code == 303
    assert _notes(demo)[0]["state"] == "published"
    assert 'badge--published">published' in demo.client.get(url).text
