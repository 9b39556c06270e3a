"""Segments in the console: the list and its search, a new segment, a segment's page."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.services.flags.segments import get_segment

from .conftest import Console

LIST = "/projects/demo/segments"
STAFF = "/projects/demo/segments/staff"


def segment_form(demo: Console, **changes: str) -> dict[str, str]:
    """The staff segment's form as its page serves it, with ``changes``."""
    segment = get_segment(demo.store, "demo", "staff")
    form = {
        "csrf": demo.csrf(STAFF),
        "version": str(segment["version"]),
        "name": segment["name"],
        "description": segment["description"],
        "included": "\n".join(segment["included"]),
        "excluded": "\n".join(segment["excluded"]),
        "rules-count": str(len(segment["rules"])),
    }
    for i, rule in enumerate(segment["rules"]):
        form[f"rules-{i}-id"] = rule.get("id", "")
        form[f"rules-{i}-count"] = str(len(rule["clauses"]))
        for j, clause in enumerate(rule["clauses"]):
            form[f"rules-{i}-clauses-{j}-attribute"] = clause["attribute"]
            form[f"rules-{i}-clauses-{j}-op"] = clause["op"]
            form[f"rules-{i}-clauses-{j}-values"] = "\n".join(map(str, clause["values"]))
    return {**form, **changes}


def post(demo: Console, path: str, form: dict[str, str]) -> Any:
    return demo.client.request("POST", path, data=form, follow_redirects=False)


def test_segment_list__demo__lists_segments_with_links(demo: Console) -> None:
    html = demo.client.get(LIST).text
    assert "<h1>Segments</h1>" in html
    assert f'<a href="{STAFF}">staff</a>' in html and "beta-testers" in html
    assert 'aria-current="page">Segments' in html


def test_segment_list__search__only_matches_or_what_to_do(demo: Console) -> None:
    html = demo.client.get(LIST, params={"q": "BETA"}).text
    assert "beta-testers" in html and f'href="{STAFF}"' not in html
    empty = demo.client.get(LIST, params={"q": "zzz"}).text
    assert "No segment matches" in empty


def test_create__new_key__segment_exists_and_page_opens(demo: Console) -> None:
    form = {"csrf": demo.csrf(LIST), "key": "vip", "name": "Very important"}
    answer = post(demo, LIST, form)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{LIST}/vip"
    assert get_segment(demo.store, "demo", "vip")["name"] == "Very important"
    assert "<h1>Segment Very important</h1>" in demo.client.get(f"{LIST}/vip").text


@pytest.mark.parametrize(
    ("key", "code"),
    [("", "validation_failed"), ("bad key!", "validation_failed"), ("staff", "already_exists")],
)
def test_create__bad_or_taken_key__error_and_nothing_created(
    demo: Console, key: str, code: str
) -> None:
    before = demo.client.get(
        "/api/v1/projects/demo/segments", headers={"Authorization": f"Bearer {demo.admin_token}"}
    ).json()
    answer = post(demo, LIST, {"csrf": demo.csrf(LIST), "key": key})
    assert answer.status_code == 422
    assert code in answer.text
    after = demo.client.get(
        "/api/v1/projects/demo/segments", headers={"Authorization": f"Bearer {demo.admin_token}"}
    ).json()
    assert after == before


def test_segment_page__staff__shows_keys_and_rules(demo: Console) -> None:
    segment = get_segment(demo.store, "demo", "staff")
    html = demo.client.get(STAFF).text
    assert html.count("<h1>") == 1
    for key in segment["included"]:
        assert key in html
    assert 'name="rules-count" value="1"' in html
    assert ">is in segment</option>" not in html  # segment rules cannot name segments


def test_save__keys_and_a_rule__stored_as_the_api_shows(demo: Console) -> None:
    form = segment_form(demo, included="alice\nbob\n\nalice", excluded="mallory")
    form["rules-count"] = "2"
    form.update(
        {
            "rules-1-count": "1",
            "rules-1-clauses-0-attribute": "plan",
            "rules-1-clauses-0-op": "in",
            "rules-1-clauses-0-values": "staff-plan",
        }
    )
    answer = post(demo, STAFF, form)
    assert answer.status_code == 303
    saved = get_segment(demo.store, "demo", "staff")
    assert saved["included"] == ["alice", "bob"]
    assert saved["excluded"] == ["mallory"]
    assert saved["rules"][1]["clauses"] == [
        {"attribute": "plan", "op": "in", "values": ["staff-plan"], "negate": False}
    ]


def test_save__bad_rule__error_at_the_field_and_nothing_saved(demo: Console) -> None:
    before = get_segment(demo.store, "demo", "staff")
    form = segment_form(
        demo, **{"rules-0-clauses-0-op": "semver_gt", "rules-0-clauses-0-values": "not-a-version"}
    )
    answer = post(demo, STAFF, form)
    assert answer.status_code == 422
    assert '<a href="#rules-0-clauses-0-values">' in answer.text
    assert 'id="rules-0-clauses-0-values-error"' in answer.text
    assert get_segment(demo.store, "demo", "staff") == before


def test_edit_buttons__add_a_rule__rerendered_not_saved(demo: Console) -> None:
    before = get_segment(demo.store, "demo", "staff")
    answer = post(demo, STAFF, segment_form(demo, action="add-rule", included="typed"))
    assert answer.status_code == 200
    assert 'name="rules-count" value="2"' in answer.text and ">typed</textarea>" in answer.text
    assert get_segment(demo.store, "demo", "staff") == before


def test_save__stale_version__conflict_and_input_kept(demo: Console) -> None:
    stale = segment_form(demo, included="second")
    assert post(demo, STAFF, segment_form(demo, included="first")).status_code == 303
    answer = post(demo, STAFF, stale)
    assert answer.status_code == 422
    assert "version_conflict" in answer.text and ">second</textarea>" in answer.text
    current = get_segment(demo.store, "demo", "staff")
    assert current["included"] == ["first"]
    assert f'name="version" value="{current["version"]}"' in answer.text


def test_save__without_csrf__403(demo: Console) -> None:
    form = segment_form(demo, included="x")
    del form["csrf"]
    assert post(demo, STAFF, form).status_code == 403
    assert post(demo, LIST, {"key": "nope"}).status_code == 403


def test_segment_page__unknown_segment__html_404(demo: Console) -> None:
    answer = demo.client.get(f"{LIST}/nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "form", [{}, {"version": "abc"}, {"version": "1", "rules-count": "7"}, {"included": "x" * 200}]
)
def test_save__malformed_form__refused_without_a_500(demo: Console, form: dict[str, str]) -> None:
    before = get_segment(demo.store, "demo", "staff")
    answer = post(demo, STAFF, {"csrf": demo.csrf(STAFF), **form})
    assert answer.status_code == 422
    assert get_segment(demo.store, "demo", "staff") == before


def test_delete__unused_segment__gone(demo: Console) -> None:
    post(demo, LIST, {"csrf": demo.csrf(LIST), "key": "vip"})
    version = get_segment(demo.store, "demo", "vip")["version"]
    answer = post(demo, f"{LIST}/vip/delete?version={version}", {"csrf": demo.csrf(LIST)})
    assert answer.status_code == 303
    assert demo.client.get(f"{LIST}/vip").status_code == 404


@pytest.mark.parametrize("version", ["", "999"])
def test_delete__used_or_stale__refused_and_kept(demo: Console, version: str) -> None:
    before = get_segment(demo.store, "demo", "staff")
    query = version or str(before["version"])
    answer = post(demo, f"{STAFF}/delete?version={query}", {"csrf": demo.csrf(STAFF)})
    assert answer.status_code == 422
    assert "conflict" in answer.text
    assert get_segment(demo.store, "demo", "staff") == before


def test_refresh__operator_changed_to_segment_match__picker_shown_nothing_saved(
    demo: Console,
) -> None:
    page = "/projects/demo/flags/dark-mode/environments/production/rules"
    html = demo.client.get(page).text
    assert 'name="rules-0-clauses-0-segment-0"' in html
    form = {"csrf": demo.csrf(page), "rules-count": "1", "rules-0-count": "1",
            "rules-0-clauses-0-op": "in", "rules-0-clauses-0-attribute": "plan",
            "action": "refresh"}  # fmt: skip
    answer = post(demo, page, form)
    assert answer.status_code == 200
    assert 'name="rules-0-clauses-0-segment-0"' not in answer.text
    assert 'name="rules-0-clauses-0-values"' in answer.text


def test_segment_list__huge_search__html_page_not_an_error(demo: Console) -> None:
    answer = demo.client.get(LIST, params={"q": "x" * 5000})
    assert answer.status_code == 200
    assert "No segment matches" in answer.text and "x" * 201 not in answer.text
