"""The releases pages against the demo project: the list, a release's page, its
actions and approvals through the forms, and creating a release."""

from __future__ import annotations

import re
from typing import Any

from premiere.services import SYSTEM, Actor
from premiere.services.deployments import ledger
from premiere.services.releases import checklist, records

from .conftest import Console

PAGE = "/projects/demo/releases/recommendations-v2"
OTHER = Actor(kind="user", id="u-9", name="Grace")


def _post(demo: Console, path: str, data: dict[str, str], page: str = PAGE) -> Any:
    return demo.client.request(
        "POST", path, data={"csrf": demo.csrf(page), **data}, follow_redirects=False
    )


def _version(demo: Console, key: str = "recommendations-v2") -> str:
    return str(records.get_release(demo.store, "demo", key)["version"])


def _make_ready(demo: Console) -> None:
    """The api 1.5.0 that carries the demo's feature, verified in production, and
    support briefed (the required item of the demo's checklist)."""
    data = {"service": "api", "version": "1.5.0", "environment": "production"}
    data |= {"commit_sha": "a81e0b7", "status": "in_progress"}
    view, _ = ledger.record_deployment(demo.store, SYSTEM, "demo", data)
    ledger.finish_deployment(demo.store, SYSTEM, "demo", view["id"], {"outcome": "succeeded"})
    checklist.tick_checklist_item(
        demo.store, SYSTEM, "demo", "recommendations-v2", "support-briefed"
    )


def test_releases_list__demo__shows_state_stage_percent_schedule(demo: Console) -> None:
    html = demo.client.get("/projects/demo/releases").text
    assert "<h1>Releases</h1>" in html
    assert f'<a href="{PAGE}">Recommendations v2</a>' in html
    assert "badge--draft" in html
    assert "not started (4 stages)" in html
    assert "<td>0 %</td>" in html
    assert "when started by hand" in html
    assert 'href="/projects/demo/releases/calendar"' in html
    assert '<a href="/projects/demo/releases" aria-current="page">Releases</a>' in html


def test_release_page__demo__readiness_names_what_is_missing_with_links(demo: Console) -> None:
    html = demo.client.get(PAGE).text
    assert "<h1>Recommendations v2</h1>" in html
    assert (
        "Flag recommendations-model: needs service api &gt;= 1.5.0, verified in production" in html
    )
    assert 'href="/projects/demo/deployments?service=api"' in html
    assert "Approvals: 0 of 1 required" in html
    assert 'href="#approvals"' in html


def test_release_page__demo__plan_notes_preview_and_audit(demo: Console) -> None:
    html = demo.client.get(PAGE).text
    assert html.count('class="plan-stage plan-stage--to-come"') == 4
    assert "segment staff" in html and "on approval (manual)" in html
    assert "<strong>viewed</strong>" in html  # the notes' Markdown, rendered
    assert "Better recommendations" in html
    assert "<code>release.created</code>" in html
    assert "No decision yet" in html  # the errors guard has not looked


def test_release_page__unknown_release__html_404(demo: Console) -> None:
    answer = demo.client.get("/projects/demo/releases/nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_release_page__notes_with_html__rendered_inert(demo: Console) -> None:
    body = "<script>alert(1)</script> [x](javascript:alert(1)) *ok*"
    version = int(_version(demo))
    records.update_release(
        demo.store,
        SYSTEM,
        "demo",
        "recommendations-v2",
        {"notes": {"title": "<b>t</b>", "body": body}},
        version,
    )
    html = demo.client.get(PAGE).text
    assert "<script>alert(1)" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    assert "<em>ok</em>" in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html


def test_approve__through_the_form__counts_and_binds_the_digest(demo: Console) -> None:
    digest = records.get_release(demo.store, "demo", "recommendations-v2")["digest"]
    answer = _post(demo, f"{PAGE}/approvals", {"digest": digest, "comment": "looks good"})
    assert answer.status_code == 303
    approvals = records.list_release_approvals(demo.store, "demo", "recommendations-v2")
    assert [(a["comment"], a["digest"], a["void"]) for a in approvals] == [
        ("looks good", digest, False)
    ]
    html = demo.client.get(PAGE).text
    assert "1 of 1 required approval" in html
    assert "Approvals: 0 of 1" not in html


def test_approve__stale_digest__refused_at_the_field_nothing_changed(demo: Console) -> None:
    answer = _post(demo, f"{PAGE}/approvals", {"digest": "sha256:old"})
    assert answer.status_code == 422
    assert "the release changed since you read it" in answer.text
    assert "validation_failed" in answer.text
    assert records.list_release_approvals(demo.store, "demo", "recommendations-v2") == []


def test_approve__then_an_edit__shown_as_voided(demo: Console) -> None:
    digest = records.get_release(demo.store, "demo", "recommendations-v2")["digest"]
    assert _post(demo, f"{PAGE}/approvals", {"digest": digest}).status_code == 303
    plan = {"stages": [{"percent": 50}, {"percent": 100}]}
    records.update_release(
        demo.store, SYSTEM, "demo", "recommendations-v2", {"plan": plan}, int(_version(demo))
    )
    html = demo.client.get(PAGE).text
    assert "voided by an edit" in html
    assert "0 of 1 required approval" in html


def test_start__not_ready__refusal_shows_the_services_message(demo: Console) -> None:
    answer = _post(demo, f"{PAGE}/start", {"version": _version(demo)})
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert records.get_release(demo.store, "demo", "recommendations-v2")["state"] == "draft"


def test_actions__start_advance_pause_resume_roll_back__through_the_forms(demo: Console) -> None:
    _make_ready(demo)
    digest = records.get_release(demo.store, "demo", "recommendations-v2")["digest"]
    assert _post(demo, f"{PAGE}/approvals", {"digest": digest}).status_code == 303
    steps = [
        ("start", "rolling_out", 0),
        ("advance", "rolling_out", 1),
        ("pause", "paused", 1),
        ("resume", "rolling_out", 1),
        ("rollback", "rolled_back", 1),
    ]
    for action, state, stage in steps:
        answer = _post(demo, f"{PAGE}/{action}", {"version": _version(demo), "reason": action})
        assert answer.status_code == 303, (action, answer.text)
        release = records.get_release(demo.store, "demo", "recommendations-v2")
        assert (release["state"], release["stage"]) == (state, stage), action
        assert release["last_transition"]["reason"] == action
    html = demo.client.get(PAGE).text
    assert "badge--rolled-back" in html
    assert "nothing more to do" in html


def test_progress_fragment__rolling_out__current_stage_highlighted(demo: Console) -> None:
    _make_ready(demo)
    digest = records.get_release(demo.store, "demo", "recommendations-v2")["digest"]
    records.approve_release(demo.store, OTHER, "demo", "recommendations-v2", {"digest": digest})
    records.start_release(demo.store, SYSTEM, "demo", "recommendations-v2", {}, int(_version(demo)))
    records.advance_release(
        demo.store, SYSTEM, "demo", "recommendations-v2", {}, int(_version(demo))
    )
    html = demo.client.get(f"{PAGE}/fragments/progress").text
    assert "<html" not in html
    current = re.search(
        r'<tr class="plan-stage plan-stage--current" aria-current="step">(.*?)</tr>', html, re.S
    )
    assert current and "5 %" in current.group(1)
    assert "stage 2 of 4" in html
    assert "<strong>5 %</strong>" in html
    assert html.count("plan-stage--done") == 1


def test_action__stale_version__conflict_nothing_changed(demo: Console) -> None:
    answer = _post(demo, f"{PAGE}/schedule", {"version": "999"})
    assert answer.status_code == 422
    assert "version_conflict" in answer.text or "conflict" in answer.text
    assert records.get_release(demo.store, "demo", "recommendations-v2")["state"] == "draft"


def test_action__wrong_state_or_bad_version__refused_at_the_form(demo: Console) -> None:
    answer = _post(demo, f"{PAGE}/pause", {"version": _version(demo)})
    assert answer.status_code == 422
    assert "invalid_state" in answer.text
    answer = _post(demo, f"{PAGE}/pause", {"version": "x" * 5000})
    assert answer.status_code == 422
    assert "must be the release&#39;s version" in answer.text
    assert _post(demo, f"{PAGE}/explode", {"version": "1"}).status_code == 404


def test_action__without_csrf__403_nothing_changed(demo: Console) -> None:
    answer = demo.client.request("POST", f"{PAGE}/schedule", data={"version": _version(demo)})
    assert answer.status_code == 403
    assert records.get_release(demo.store, "demo", "recommendations-v2")["state"] == "draft"


def _create(demo: Console, **fields: str) -> Any:
    form = {
        "key": "dark-mode-launch",
        "environment": "production",
        "feature_flag_0": "dark-mode",
        "feature_value_0": "true",
        "plan": "segment staff hold PT1H\n10% hold 600\n100% manual",
        "required_approvals": "1",
        "timezone": "UTC",
        "notes_title": "Dark mode",
        "notes_body": "Easy on the **eyes**.",
    }
    new = "/projects/demo/releases/new"
    return _post(demo, new, {**form, **fields}, page=new)


def test_new_release__form__offers_environments_flags_segments(demo: Console) -> None:
    html = demo.client.get("/projects/demo/releases/new").text
    assert "<h1>New release</h1>" in html
    assert '<option value="production">production</option>' in html
    assert '<option value="staff">staff</option>' in html
    assert '<label for="feature_value_0">' in html


def test_new_release__valid__created_with_the_variation_by_value(demo: Console) -> None:
    answer = _create(demo)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/demo/releases/dark-mode-launch"
    release = records.get_release(demo.store, "demo", "dark-mode-launch")
    assert release["features"] == [{"flag": "dark-mode", "variation": 0, "min_versions": {}}]
    stages = release["plan"]["stages"]
    assert [(s["segment"], s["percent"], s["hold_seconds"], s["advance"]) for s in stages] == [
        ("staff", None, 3600, "auto"),
        (None, 10, 600, "auto"),
        (None, 100, 0, "manual"),
    ]
    assert release["notes"]["title"] == "Dark mode"
    html = demo.client.get(answer.headers["location"]).text
    assert "<strong>eyes</strong>" in html


def test_new_release__own_release__approval_refused_with_the_message(demo: Console) -> None:
    assert _create(demo).status_code == 303
    page = "/projects/demo/releases/dark-mode-launch"
    digest = records.get_release(demo.store, "demo", "dark-mode-launch")["digest"]
    answer = _post(demo, f"{page}/approvals", {"digest": digest}, page=page)
    assert answer.status_code == 422
    assert "nobody approves their own release" in answer.text


def test_new_release__created_then_approved_and_started__through_the_forms(demo: Console) -> None:
    assert _create(demo, required_approvals="0").status_code == 303
    page = "/projects/demo/releases/dark-mode-launch"
    tick = _post(demo, f"{page}/checklist/support-briefed/tick", {}, page=page)
    assert tick.status_code == 303  # the demo's template: support briefed, required
    version = _version(demo, "dark-mode-launch")
    answer = _post(demo, f"{page}/start", {"version": version}, page=page)
    assert answer.status_code == 303, answer.text  # web 2.3.0 carries dark-mode, verified
    assert records.get_release(demo.store, "demo", "dark-mode-launch")["state"] == "rolling_out"
    html = demo.client.get(page).text
    assert "stage 1 of 3, segment staff" in html
    assert "reaches <strong>segment staff</strong> only in production" in html


def test_new_release__bad_input__errors_at_fields_nothing_created(demo: Console) -> None:
    answer = _create(
        demo,
        key="bad key!",
        feature_value_0="maybe",
        plan="lots\n5% hold",
        required_approvals="x" * 300,
        start_at="2000-01-01T00:00",
    )
    assert answer.status_code == 422
    html = answer.text
    assert "There is a problem" in html
    assert "flag &#39;dark-mode&#39; has no variation &#39;maybe&#39;" in html
    assert "line 1: start with a percentage" in html
    assert "must be a whole number" in html
    assert 'value="bad key!"' in html  # the input is kept
    assert records.list_releases(demo.store, "demo", state=None)[0]["key"] == "recommendations-v2"


def test_new_release__service_errors__beside_their_fields(demo: Console) -> None:
    answer = _create(
        demo, feature_flag_0="no-such-flag", key="x1", plan="50%\n20%", start_at="2000-01-01T00:00"
    )
    assert answer.status_code == 422
    html = answer.text
    assert 'id="feature_flag_0-error"' in html or 'id="plan-error"' in html
    assert 'id="plan-error"' in html  # percentages must increase
    assert 'id="start_at-error"' in html  # in the past
    assert len(records.list_releases(demo.store, "demo")) == 2  # the demo's


def test_new_release__missing_fields__errors_not_500(demo: Console) -> None:
    new = "/projects/demo/releases/new"
    answer = _post(demo, new, {}, page=new)
    assert answer.status_code == 422
    assert 'id="key-error"' in answer.text
    huge = {
        "key": "k" * 5000,
        "name": "n" * 100_000,
        "environment": "production",
        "feature_flag_0": "dark-mode",
        "feature_value_0": "true",
        "plan": "100%",
    }
    answer = _post(demo, new, huge, page=new)
    assert answer.status_code == 422
    assert 'id="key-error"' in answer.text and 'id="name-error"' in answer.text
    answer = _post(demo, new, {**huge, "key": "k", "name": "n", "plan": "5% " * 5000}, page=new)
    assert answer.status_code == 422
    assert 'id="plan-error"' in answer.text
    assert len(records.list_releases(demo.store, "demo")) == 2  # the demo's
