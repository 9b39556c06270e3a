"""The notes API through the real app: create, read, edit with a version, publish,
unpublish, delete, list across releases; bad input refused naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import Api
from tests.releases.test_release_api import BASE, act, code, create, deploy, shop

__all__ = ["shop"]
NOTES = f"{BASE}/releases/new-checkout/notes"


def errors_of(response: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]}


def test_notes_api__lifecycle__published_by_exposure_and_by_hand(shop: Api) -> None:
    release = create(shop)
    (first,) = shop.ok(shop.get(NOTES))  # the release's "notes" is its first entry
    assert (first["title"], first["state"]) == ("A faster checkout", "draft")
    body = {
        "title": "Receipts",
        "body": "<script>alert(1)</script> **by mail**",
        "category": "fixed",
        "links": [{"label": "Docs", "url": "https://docs.example.com"}],
        "internal": "support only",
    }
    created = shop.post(NOTES, body)
    note = shop.ok(created, 201)
    assert created.headers["Location"] == f"{NOTES}/{note['id']}"
    assert "<script" not in note["body_html"] and "<strong>by mail</strong>" in note["body_html"]

    edited = shop.patch(
        f"{NOTES}/{note['id']}", {"title": "Receipts!"}, headers={"If-Match": '"1"'}
    )
    assert shop.ok(edited)["title"] == "Receipts!"
    stale = shop.patch(f"{NOTES}/{note['id']}", {"title": "x", "version": 1})
    assert code(stale) == (409, "version_conflict")

    published = shop.ok(shop.post(f"{NOTES}/{note['id']}/publish"))
    assert published["state"] == "published" and published["published_at"]
    page = shop.ok(shop.get(f"{BASE}/notes?public=true"))
    assert [n["title"] for n in page["items"]] == ["Receipts!"]
    assert "internal" not in page["items"][0]
    assert shop.ok(shop.post(f"{NOTES}/{note['id']}/unpublish"))["state"] == "draft"

    deploy(shop)
    view = shop.ok(act(shop, "start", release["version"]))
    view = shop.ok(act(shop, "advance", view["version"]))  # 10 %: the first public stage
    listed = shop.ok(shop.get(f"{BASE}/notes?state=published"))
    assert [n["id"] for n in listed["items"]] == [first["id"]]  # the unpublished one stays out
    shop.ok(act(shop, "rollback", view["version"]))
    assert shop.ok(shop.get(f"{NOTES}/{first['id']}"))["state"] == "rolled_back"

    assert shop.delete(f"{NOTES}/{note['id']}").status_code == 204
    assert code(shop.get(f"{NOTES}/{note['id']}")) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"title": "t", "category": "misc"}, "category", "enum"),
        ({"title": "t", "audience": "martians"}, "audience", "unknown_segment"),
        ({"title": "t", "features": ["ghost"]}, "features[0]", "unknown_flag"),
        ({"title": "t", "links": [{"label": "x", "url": "javascript:alert(1)"}]},
         "links[0].url", "url"),
        ({"title": "t", "links": [{"label": "x", "url": "https://a:b@example.com"}]},
         "links[0].url", "url"),
        ({"title": "t", "image_url": "data:image/png;base64,AA=="}, "image_url", "url"),
        ({"title": 7}, "title", "type"),
        ({"body": "no title"}, "title", "required"),
    ],
)  # fmt: skip
def test_notes_api__bad_input__422_naming_the_field_nothing_created(
    shop: Api, body: dict[str, Any], field: str, rule: str
) -> None:
    create(shop, notes=None)

    refused = shop.post(NOTES, body)

    assert refused.status_code == 422
    assert any(f.endswith(field) and r == rule for f, r in errors_of(refused)), refused.text
    assert shop.ok(shop.get(NOTES)) == []


def test_notes_api__bad_query__422_naming_the_parameter(shop: Api) -> None:
    refused = shop.get(f"{BASE}/notes?state=live&cursor=zzz")

    assert refused.status_code == 422
    assert errors_of(refused) == {("query.state", "enum"), ("query.cursor", "invalid_cursor")}


def test_notes_api__unknown_release__404(shop: Api) -> None:
    assert code(shop.get(f"{BASE}/releases/nope/notes")) == (404, "not_found")
    assert code(shop.post(f"{BASE}/releases/nope/notes", {"title": "t"})) == (404, "not_found")
