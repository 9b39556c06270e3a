"""The rule editor of a flag in an environment: show, edit, reorder, save, refuse."""

from __future__ import annotations

import re
from typing import Any

import pytest

from premiere.console.flags.rule_forms import (
    drafts_from_rules,
    form_field,
    rules_from_drafts,
    values_text,
)
from premiere.services.flags.configs import get_flag_config

from .conftest import Console

PAGE = "/projects/demo/flags/new-checkout/environments/production/rules"


def rule_form(
    demo: Console, rules: list[dict[str, Any]], version: int | None = None, **extra: str
) -> dict[str, str]:
    """The form the editor posts for ``rules`` (drafted as the page drafts them)."""
    config = get_flag_config(demo.store, "demo", "new-checkout", "production")
    form = {"csrf": demo.csrf(PAGE), "version": str(version or config["version"])}
    form["rules-count"] = str(len(rules))
    for i, draft in enumerate(drafts_from_rules(rules, 2)):
        prefix = f"rules-{i}"
        form[f"{prefix}-id"] = draft["id"]
        form[f"{prefix}-description"] = draft["description"]
        form[f"{prefix}-serve"] = draft["serve"]
        form[f"{prefix}-variation"] = draft["variation"]
        form[f"{prefix}-serve-rollout-bucket_by"] = draft["bucket_by"]
        for v, weight in enumerate(draft["weights"]):
            form[f"{prefix}-serve-rollout-variations-{v}-weight"] = weight
        form[f"{prefix}-count"] = str(len(draft["clauses"]))
        for j, clause in enumerate(draft["clauses"]):
            c = f"{prefix}-clauses-{j}"
            form[f"{c}-attribute"] = clause["attribute"]
            form[f"{c}-op"] = clause["op"]
            form[f"{c}-values"] = clause["values"] or "\n".join(clause["segments"])
            if clause["negate"]:
                form[f"{c}-negate"] = "on"
    return {**form, **extra}


def post(demo: Console, form: dict[str, str]) -> Any:
    return demo.client.request("POST", PAGE, data=form, follow_redirects=False)


def stored_rules(demo: Console) -> list[dict[str, Any]]:
    return get_flag_config(demo.store, "demo", "new-checkout", "production")["rules"]


def clause(attribute: str, op: str, *values: Any, negate: bool = False) -> dict[str, Any]:
    return {"attribute": attribute, "op": op, "values": list(values), "negate": negate}


def test_rule_editor__demo_flag__shows_rules_operators_and_segments(demo: Console) -> None:
    html = demo.client.get(PAGE).text
    assert "<h1>Rules of New checkout in production</h1>" in html
    assert 'value="enterprise"' in html and 'value="staff"' in html
    assert ">is in segment</option>" in html and ">matches the regular expression<" in html
    checked = re.search(r'name="rules-0-clauses-0-segment-\d+" value="staff" checked', html)
    assert checked is not None
    assert html.count("<h1>") == 1


def test_save__a_new_rule_with_a_rollout__stored_as_the_api_shows(demo: Console) -> None:
    rules = [
        *stored_rules(demo),
        {"clauses": [clause("country", "in", "DE", 42, True)], "serve": {"variation": 0}},
    ]
    form = rule_form(demo, rules)
    form["rules-2-serve"] = "rollout"
    form["rules-2-serve-rollout-variations-0-weight"] = "12.5"
    form["rules-2-serve-rollout-variations-1-weight"] = "87.5"
    form["rules-2-clauses-0-negate"] = "on"
    answer = post(demo, form)
    assert answer.status_code == 303
    assert answer.headers["location"] == PAGE + "?saved=1"
    added = demo.client.get(
        "/api/v1/projects/demo/flags/new-checkout/environments/production",
        headers={"Authorization": f"Bearer {demo.admin_token}"},
    ).json()["rules"][2]
    assert added["clauses"] == [clause("country", "in", "DE", 42, True, negate=True)]
    rollout = added["serve"]["rollout"]
    assert rollout["variations"] == [
        {"variation": 0, "weight": 12500},
        {"variation": 1, "weight": 87500},
    ]
    assert rollout["bucket_by"] == "key"


def test_edit_buttons__add_move_delete__rerendered_and_nothing_saved(demo: Console) -> None:
    before = get_flag_config(demo.store, "demo", "new-checkout", "production")
    answer = post(demo, rule_form(demo, before["rules"], action="down-rule-0"))
    assert answer.status_code == 200
    html = answer.text
    assert html.index('value="enterprise"') < html.index('value="staff"')
    assert "not saved yet" in html
    added = post(demo, rule_form(demo, before["rules"], action="add-rule")).text
    assert 'name="rules-count" value="3"' in added
    removed = post(demo, rule_form(demo, before["rules"], action="delete-rule-0")).text
    assert 'value="staff"' not in removed and 'name="rules-count" value="1"' in removed
    more = post(demo, rule_form(demo, before["rules"], action="add-clause-1")).text
    assert 'name="rules-1-count" value="2"' in more
    fewer = post(demo, rule_form(demo, before["rules"], action="delete-clause-1-0")).text
    assert 'name="rules-1-count" value="0"' in fewer
    assert get_flag_config(demo.store, "demo", "new-checkout", "production") == before


def test_save__moved_rule__stored_in_the_new_order(demo: Console) -> None:
    rules = stored_rules(demo)
    answer = post(demo, rule_form(demo, [rules[1], rules[0]]))
    assert answer.status_code == 303
    assert [rule["id"] for rule in stored_rules(demo)] == ["enterprise", "staff"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"rules-1-clauses-0-op": "matches", "rules-1-clauses-0-values": "(unclosed"},
            "rules-1-clauses-0-values",
            "not a regular expression",
        ),
        ({"rules-1-clauses-0-values": ""}, "rules-1-clauses-0-values", "values must not be empty"),
        (
            {"rules-1-serve": "rollout", "rules-1-serve-rollout-variations-0-weight": "30"},
            "rules-1-serve-rollout-variations",
            "sum to 30000",
        ),
        (
            {"rules-1-clauses-0-op": "gt", "rules-1-clauses-0-values": "many"},
            "rules-1-clauses-0-values",
            "must be a number",
        ),
        ({"rules-1-clauses-0-op": "no-such-op"}, "rules-1-clauses-0-op", "op must be one of"),
    ],
)
def test_save__invalid_input__error_at_the_field_and_nothing_saved(
    demo: Console, change: dict[str, str], field: str, code: str
) -> None:
    before = get_flag_config(demo.store, "demo", "new-checkout", "production")
    answer = post(demo, {**rule_form(demo, before["rules"]), **change})
    assert answer.status_code == 422
    html = answer.text
    assert f'<a href="#{field}">' in html
    assert f'id="{field}-error"' in html and code in html
    assert get_flag_config(demo.store, "demo", "new-checkout", "production") == before


def test_save__stale_version__conflict_shown_and_input_kept(demo: Console) -> None:
    config = get_flag_config(demo.store, "demo", "new-checkout", "production")
    first = rule_form(demo, config["rules"], version=config["version"])
    first["rules-1-description"] = "Saved first"
    assert post(demo, first).status_code == 303
    second = rule_form(demo, config["rules"], version=config["version"])
    second["rules-1-description"] = "Typed second"
    answer = post(demo, second)
    assert answer.status_code == 422
    assert "version_conflict" in answer.text and "Saved first" in answer.text
    assert 'value="Typed second"' in answer.text
    current = get_flag_config(demo.store, "demo", "new-checkout", "production")
    assert f'name="version" value="{current["version"]}"' in answer.text
    assert stored_rules(demo)[1]["description"] == "Saved first"


def test_save__without_csrf__403_and_nothing_saved(demo: Console) -> None:
    before = stored_rules(demo)
    form = rule_form(demo, [])
    del form["csrf"]
    assert post(demo, form).status_code == 403
    assert stored_rules(demo) == before


def test_rule_editor__unknown_flag_or_environment__html_404(demo: Console) -> None:
    for path in (PAGE.replace("new-checkout", "nope"), PAGE.replace("production", "mars")):
        answer = demo.client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"rules-count": "99999999999", "version": "1"},
        {"rules-count": "1", "rules-0-count": "abc", "version": "x" * 5000},
        {
            "rules-count": "1",
            "rules-0-serve": "rollout",
            "rules-0-serve-rollout-variations-0-weight": "1e999999999",
            "version": "1",
        },
        {"rules-count": "1", "rules-0-variation": "-3", "version": "1"},
        {"action": "delete-clause-7-9"},
        {"action": "up-rule-x"},
    ],
)
def test_save__malformed_form__refused_without_a_500(demo: Console, form: dict[str, str]) -> None:
    before = stored_rules(demo)
    answer = post(demo, {"csrf": demo.csrf(PAGE), **form})
    assert answer.status_code in (200, 422)
    assert stored_rules(demo) == before


def test_form_field__service_paths__map_to_the_nearest_field() -> None:
    known = ["rules", "rules-1", "rules-1-clauses-0-values", "rules-1-serve-rollout-variations"]
    assert form_field("rules[1].clauses[0].values[2]", known) == "rules-1-clauses-0-values"
    assert (
        form_field("rules[1].serve.rollout.variations", known) == "rules-1-serve-rollout-variations"
    )
    assert form_field("rules[1].id", known) == "rules-1"
    assert form_field("on", known) is None


def test_values__typed_for_the_operator_and_shown_back_the_same() -> None:
    rules = [
        {
            "clauses": [
                clause("a", "in", "DE", 42, True, "true", "7"),
                clause("n", "gte", 1.5),
                clause("d", "before", 1700000000000),
            ],
            "serve": {"variation": 1},
        }
    ]
    assert rules_from_drafts(drafts_from_rules(rules, 2), serves=True) == rules
    assert values_text(["true", "x"], "in") == '"true"\nx'
