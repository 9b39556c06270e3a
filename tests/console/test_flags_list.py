"""The flag list (search, filters, paging) and creating a flag, against the demo."""

from __future__ import annotations

import re

from premiere.console.flags.listing import PAGE_SIZE
from premiere.services import SYSTEM
from premiere.services.flags import definitions

from .conftest import Console


def _keys(html: str) -> list[str]:
    return re.findall(
        r'<th scope="row"><a href="/projects/demo/flags/[^"]+">[^<]*</a> <code>([^<]+)</code>', html
    )


def test_flag_list__demo__shows_live_flags_with_state_per_environment(demo: Console) -> None:
    html = demo.client.get("/projects/demo/flags").text
    assert "<h1>Flags</h1>" in html
    keys = _keys(html)
    assert "payments-v2" in keys and "dark-mode" in keys
    assert "legacy-cart" not in keys  # archived
    assert '<a href="/projects/demo/flags" aria-current="page">Flags</a>' in html
    assert "badge--rolling-out" in html


def test_flag_list__search__matches_key_name_and_tag(demo: Console) -> None:
    by_tag = _keys(demo.client.get("/projects/demo/flags", params={"q": "marketing"}).text)
    assert sorted(by_tag) == ["holiday-sale", "pricing-page-config"]
    by_name = _keys(demo.client.get("/projects/demo/flags", params={"q": "cart size"}).text)
    assert by_name == ["max-cart-items"]
    by_key = _keys(demo.client.get("/projects/demo/flags", params={"q": "DARK-"}).text)
    assert by_key == ["dark-mode"]


def test_flag_list__filters__kind_and_state_in_an_environment(demo: Console) -> None:
    numbers = _keys(demo.client.get("/projects/demo/flags", params={"kind": "number"}).text)
    assert sorted(numbers) == ["max-cart-items", "order-export-batch-size"]
    params = {"state": "on", "environment": "testing"}
    on_in_testing = _keys(demo.client.get("/projects/demo/flags", params=params).text)
    assert "maintenance-banner" in on_in_testing and "dark-mode" not in on_in_testing
    params = {"state": "rolling_out", "environment": "production"}
    rolling = _keys(demo.client.get("/projects/demo/flags", params=params).text)
    assert sorted(rolling) == ["dark-mode", "new-checkout", "recommendations-model", "search-v2"]
    params = {"state": "in_release", "environment": "production"}
    released = _keys(demo.client.get("/projects/demo/flags", params=params).text)
    assert released == ["recommendations-model"]


def test_flag_list__no_match__says_what_to_do(demo: Console) -> None:
    html = demo.client.get("/projects/demo/flags", params={"q": "nothing-like-this"}).text
    assert "No flag matches these filters" in html


def test_flag_list__many_flags__pages_on_the_server(demo: Console) -> None:
    for number in range(PAGE_SIZE + 5):
        definitions.create_flag(demo.store, SYSTEM, "demo", {"key": f"bulk-{number:03d}"})
    first = demo.client.get("/projects/demo/flags", params={"q": "bulk-"}).text
    assert len(_keys(first)) == PAGE_SIZE
    assert "page 1 of 2" in first and 'rel="next"' in first
    second = demo.client.get("/projects/demo/flags", params={"q": "bulk-", "page": "2"}).text
    assert _keys(second) == [f"bulk-{n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    beyond = demo.client.get("/projects/demo/flags", params={"q": "bulk-", "page": "x"})
    assert beyond.status_code == 200


def test_create_flag__valid__creates_and_redirects_to_its_page(demo: Console) -> None:
    csrf = demo.csrf("/projects/demo/flags/new")
    form = {"csrf": csrf, "key": "sizes", "name": "Sizes", "kind": "number",
            "variations": "1\n2.5\n", "tags": "api, web"}  # fmt: skip
    answer = demo.client.request(
        "POST", "/projects/demo/flags/new", data=form, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/demo/flags/sizes"
    flag = definitions.get_flag(demo.store, "demo", "sizes")
    assert [v["value"] for v in flag["variations"]] == [1, 2.5]
    assert flag["tags"] == ["api", "web"]


def test_create_flag__bad_input__errors_beside_fields_nothing_created(demo: Console) -> None:
    csrf = demo.csrf("/projects/demo/flags/new")
    before = len(definitions.list_flags(demo.store, "demo", include_archived=True))
    form = {"csrf": csrf, "key": "bad key!", "kind": "number", "variations": "one\ntwo"}
    answer = demo.client.request("POST", "/projects/demo/flags/new", data=form)
    assert answer.status_code == 422
    assert 'class="error-summary"' in answer.text
    assert 'id="key-error"' in answer.text and 'id="variations-error"' in answer.text
    assert 'value="bad key!"' in answer.text
    assert len(definitions.list_flags(demo.store, "demo", include_archived=True)) == before


def test_create_flag__existing_key_or_missing_fields__422(demo: Console) -> None:
    csrf = demo.csrf("/projects/demo/flags/new")
    taken = demo.client.request(
        "POST", "/projects/demo/flags/new", data={"csrf": csrf, "key": "dark-mode"}
    )
    assert taken.status_code == 422 and "already_exists" in taken.text
    empty = demo.client.request("POST", "/projects/demo/flags/new", data={"csrf": csrf})
    assert empty.status_code == 422 and 'id="key-error"' in empty.text
    huge = demo.client.request(
        "POST", "/projects/demo/flags/new", data={"csrf": csrf, "key": "k" * 20_000}
    )
    assert huge.status_code == 422


def test_create_flag__without_csrf__403(demo: Console) -> None:
    answer = demo.client.request("POST", "/projects/demo/flags/new", data={"key": "sneaky"})
    assert answer.status_code == 403
    assert all(f["key"] != "sneaky" for f in definitions.list_flags(demo.store, "demo"))


def test_flag_list__unknown_project__html_404(demo: Console) -> None:
    answer = demo.client.get("/projects/nope/flags")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
