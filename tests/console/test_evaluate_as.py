"""The flag page's evaluate-as panel: a targeting key and attribute rows (values read as
JSON when they are JSON), the JSON context as "advanced", errors at their fields."""

from __future__ import annotations

import re

from .conftest import Console

PAGE = "/projects/demo/flags/new-checkout"


def _ask(demo: Console, **params: str) -> str:
    answer = demo.client.get(PAGE, params={"environment": "production", **params})
    assert answer.status_code == 200
    return answer.text


def test_evaluate__fields_without_js__empty_rows_and_no_answer(demo: Console) -> None:
    html = _ask(demo)
    assert 'id="context_key"' in html
    for index in range(3):
        assert f'name="attribute_name_{index}"' in html
        assert f'name="attribute_value_{index}"' in html
    assert "<summary>Advanced: the context as JSON</summary>" in html
    assert "<dt>Value</dt>" not in html


def test_evaluate__targeting_key__target_match(demo: Console) -> None:
    html = _ask(demo, context_key="user-42")
    assert "<dt>Value</dt><dd><code>true</code></dd>" in html
    assert "<code>TARGET_MATCH</code>" in html
    assert 'value="user-42"' in html  # the field keeps what was sent


def test_evaluate__attribute_row_matches_a_rule__rule_named(demo: Console) -> None:
    # new-checkout serves true to rule 2, "Enterprise customers first": plan in [enterprise]
    html = _ask(
        demo, context_key="someone-new", attribute_name_0="plan", attribute_value_0="enterprise"
    )
    assert "<code>RULE_MATCH</code>" in html
    assert "rule 2: Enterprise customers first (<code>enterprise</code>)" in html
    assert 'value="enterprise"' in html
    assert 'name="attribute_name_1"' in html  # empty rows follow the one sent
    other = _ask(demo, context_key="someone-new", attribute_name_0="plan", attribute_value_0="pro")
    assert "<code>RULE_MATCH</code>" not in other


def test_evaluate__values_json_or_text(demo: Console) -> None:
    from premiere.console.flags.evaluate import build_context

    rows = [
        {"index": 0, "name": "age", "value": "42"},
        {"index": 1, "name": "plan", "value": "pro"},
        {"index": 2, "name": "beta", "value": "true"},
        {"index": 3, "name": "code", "value": '"42"'},
        {"index": 4, "name": "tags", "value": '["a", "b"]'},
    ]
    context = build_context("u-1", '{"key": "ignored", "country": "de"}', rows)
    assert context == {
        "key": "u-1", "country": "de", "age": 42, "plan": "pro", "beta": True,
        "code": "42", "tags": ["a", "b"],
    }  # fmt: skip


def test_evaluate__errors_at_their_fields_nothing_evaluated(demo: Console) -> None:
    missing = _ask(demo, context_key="", attribute_name_0="plan", attribute_value_0="pro")
    assert 'id="context_key-error"' in missing and "enter the targeting key" in missing
    assert "<dt>Value</dt>" not in missing
    nameless = _ask(demo, context_key="u", attribute_value_1="pro")
    assert 'id="attribute_name_1-error"' in nameless
    twice = _ask(
        demo, context_key="u", attribute_name_0="plan", attribute_value_0="a",
        attribute_name_1="plan", attribute_value_1="b",
    )  # fmt: skip
    assert 'id="attribute_name_1-error"' in twice and "plan is given twice" in twice
    reserved = _ask(demo, context_key="u", attribute_name_0="key", attribute_value_0="x")
    assert 'id="attribute_name_0-error"' in reserved
    bad_json = _ask(demo, context="[1")
    assert 'id="context-error"' in bad_json and "is not JSON" in bad_json
    assert re.search(r"<details class=\"evaluate-advanced\" open>", bad_json)


def test_evaluate__advanced_json_alone__as_before(demo: Console) -> None:
    html = _ask(demo, context='{"key": "user-42"}')
    assert "<dt>Value</dt><dd><code>true</code></dd>" in html
