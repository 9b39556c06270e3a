"""Note entries: their fields checked against the project, the release's ``notes``
shorthand as its first entry, internal notes kept out of public views, and Markdown
that renders inert whatever it holds."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from premiere.errors import NotFoundError, ValidationError, VersionConflictError
from premiere.services.communication import entries as notes
from premiere.services.communication.listing import list_project_notes
from premiere.services.communication.markdown import render_markdown
from premiere.services.releases import records as releases
from premiere.store import Store
from tests.releases.conftest import CREATOR

KEY = "new-checkout"
XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)">',
    "[x](vbscript:msgbox(1))",
    '<div style="background:url(javascript:alert(1))">',
    "**unclosed [link](",
    "\x00\ufffd<<<>>>```",
]


def violations(error: pytest.ExceptionInfo[ValidationError]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in error.value.violations}


SAFE_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "br"}
SAFE_TAGS |= {"h2", "h3", "h4", "h5", "h6", "hr"}


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("text", XSS)
def test_render_markdown__hostile_input__inert(text: str) -> None:
    parser = Elements()
    parser.feed(render_markdown(text))

    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS
        for name, value in attrs:
            assert name in ("href", "title", "rel")
            if name == "href":
                assert (value or "").lower().startswith(("http://", "https://", "mailto:"))


def test_render_markdown__markdown__rendered() -> None:
    html = render_markdown("# Title\n\n**Bold** and [a link](https://example.com)")

    assert "<h2>Title</h2>" in html and "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_create_note__every_field__stored_and_viewed(store: Store, release: dict[str, Any]) -> None:
    data = {
        "title": "Dark mode",
        "body": "Easy on the **eyes**.",
        "category": "security",
        "audience": "staff",
        "features": ["banner"],
        "links": [{"label": "Docs", "url": "https://docs.example.com/dark"}],
        "image_url": "https://cdn.example.com/dark.png",
        "internal": "Tell support: the toggle is under Settings.",
    }

    view = notes.create_note(store, CREATOR, "demo", KEY, data)

    assert {k: view[k] for k in data} == data  # type: ignore[literal-required]
    assert view["body_html"] == "<p>Easy on the <strong>eyes</strong>.</p>\n"
    assert notes.get_note(store, "demo", KEY, view["id"]) == view


def test_create_note__defaults__everyone_and_the_release_features(
    store: Store, release: dict[str, Any]
) -> None:
    view = notes.create_note(store, CREATOR, "demo", KEY, {"title": "Checkout"})

    assert (view["category"], view["audience"], view["features"]) == ("new", None, ["checkout"])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {("title", "required")}),
        ({"title": " "}, {("title", "non_empty")}),
        ({"title": "t", "category": "bugfix"}, {("category", "enum")}),
        ({"title": "t", "audience": "nobody"}, {("audience", "unknown_segment")}),
        ({"title": "t", "features": ["nope"]}, {("features[0]", "unknown_flag")}),
        ({"title": "t", "links": [{"label": "x", "url": "javascript:alert(1)"}]},
         {("links[0].url", "url")}),
        ({"title": "t", "links": [{"label": "x", "url": "https://u:p@example.com/"}]},
         {("links[0].url", "url")}),
        ({"title": "t", "links": [{"label": "", "url": "https://example.com"}]},
         {("links[0].label", "non_empty")}),
        ({"title": "t", "image_url": "data:image/png;base64,AAAA"}, {("image_url", "url")}),
        ({"title": "t", "image_url": "https://"}, {("image_url", "url")}),
        ({"title": "t", "colour": "red"}, {("colour", "unknown_field")}),
    ],
)  # fmt: skip
def test_create_note__bad_input__names_the_field_and_creates_nothing(
    store: Store, release: dict[str, Any], data: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationError) as error:
        notes.create_note(store, CREATOR, "demo", KEY, data)

    assert violations(error) == expected
    assert notes.list_release_notes(store, "demo", KEY) == []


def test_update_note__stale_version__refused(store: Store, release: dict[str, Any]) -> None:
    view = notes.create_note(store, CREATOR, "demo", KEY, {"title": "One"})
    notes.update_note(store, CREATOR, "demo", KEY, view["id"], {"title": "Two"}, view["version"])

    with pytest.raises(VersionConflictError):
        notes.update_note(store, CREATOR, "demo", KEY, view["id"], {"title": "3"}, view["version"])
    assert notes.get_note(store, "demo", KEY, view["id"])["title"] == "Two"


def test_delete_note__gone(store: Store, release: dict[str, Any]) -> None:
    view = notes.create_note(store, CREATOR, "demo", KEY, {"title": "One"})

    notes.delete_note(store, CREATOR, "demo", KEY, view["id"])

    with pytest.raises(NotFoundError):
        notes.get_note(store, "demo", KEY, view["id"])


def test_release_notes_shorthand__writes_the_first_entry(
    store: Store, release: dict[str, Any]
) -> None:
    shorthand = {"title": "Checkout", "body": "Faster.", "category": "improved"}
    view = releases.update_release(
        store, CREATOR, "demo", KEY, {"notes": shorthand}, release["version"]
    )
    second = notes.create_note(store, CREATOR, "demo", KEY, {"title": "Receipts"})
    (first, _) = notes.list_release_notes(store, "demo", KEY)
    assert view["notes"] == shorthand and first["title"] == "Checkout"

    changed = {**shorthand, "title": "A faster checkout"}
    view = releases.update_release(store, CREATOR, "demo", KEY, {"notes": changed}, view["version"])
    assert [n["title"] for n in notes.list_release_notes(store, "demo", KEY)] == [
        "A faster checkout",
        "Receipts",
    ]

    view = releases.update_release(store, CREATOR, "demo", KEY, {"notes": None}, view["version"])
    assert [n["id"] for n in notes.list_release_notes(store, "demo", KEY)] == [second["id"]]
    assert view["notes"] == {"title": "Receipts", "body": "", "category": "new"}


def test_public_view__never_internal_notes(store: Store, release: dict[str, Any]) -> None:
    data = {"title": "Checkout", "internal": "Discount code SECRET-42 for unhappy users"}
    view = notes.create_note(store, CREATOR, "demo", KEY, data)
    notes.publish_note(store, CREATOR, "demo", KEY, view["id"])

    page = list_project_notes(store, "demo", public=True)

    assert [item["title"] for item in page["items"]] == ["Checkout"]
    assert "SECRET-42" not in repr(page) and "internal" not in page["items"][0]


def test_list_project_notes__filters_and_pages(store: Store, release: dict[str, Any]) -> None:
    ids = [
        notes.create_note(store, CREATOR, "demo", KEY, {"title": f"n{i}", "category": c})["id"]
        for i, c in enumerate(["new", "fixed", "fixed", "fixed"])
    ]

    first = list_project_notes(store, "demo", category="fixed", limit=2)
    rest = list_project_notes(store, "demo", category="fixed", limit=2, cursor=first["next_cursor"])

    assert [n["id"] for n in first["items"]] == [ids[3], ids[2]]
    assert [n["id"] for n in rest["items"]] == [ids[1]] and rest["next_cursor"] is None
    with pytest.raises(ValidationError) as error:
        list_project_notes(store, "demo", state="live", cursor="nope")
    assert violations(error) == {("state", "enum"), ("cursor", "invalid_cursor")}
