"""The email subscribers' page: add with categories, refusals at the fields, remove."""

from __future__ import annotations

import httpx

from premiere.services.communication.subscribers import list_subscribers

from .conftest import Console

PAGE = "/projects/demo/subscribers"


def _post(demo: Console, path: str, data: dict[str, str]) -> httpx.Response:
    csrf = demo.csrf(PAGE)
    return demo.client.request("POST", path, data={"csrf": csrf, **data}, follow_redirects=False)


def test_subscribers__add_list_remove(demo: Console) -> None:
    assert "No subscriber yet" in demo.client.get(PAGE).text
    fields = {"email": "pm@example.com", "category:release": "true", "category:note": "true"}
    answer = _post(demo, PAGE, fields)
    assert answer.status_code == 303
    [added] = list_subscribers(demo.store, "demo")
    assert added["categories"] == ["note", "release"]
    html = demo.client.get(PAGE).text
    assert "pm@example.com" in html and "note, release" in html
    answer = _post(demo, f"{PAGE}/{added['id']}/remove", {})
    assert answer.status_code == 303
    assert list_subscribers(demo.store, "demo") == []


def test_subscribers__bad_input__errors_at_the_fields(demo: Console) -> None:
    answer = _post(demo, PAGE, {"email": "not-an-address"})
    assert answer.status_code == 422
    assert 'href="#email"' in answer.text and 'href="#categories"' in answer.text
    assert 'id="categories-error"' in answer.text
    assert 'value="not-an-address"' in answer.text
    assert list_subscribers(demo.store, "demo") == []
