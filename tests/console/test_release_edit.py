"""Editing a release not yet started from its page: the create form filled from the
release, saved with its version; a stale form is refused with the input kept; an edit
of what approvers approved voids their approvals, and the pages say so."""

from __future__ import annotations

import re
from typing import Any

from premiere.services import Actor
from premiere.services.releases import records

from .conftest import Console

PAGE = "/projects/demo/releases/recommendations-v2"
EDIT = f"{PAGE}/edit"
OTHER = Actor(kind="user", id="u-9", name="Grace")


def _form(demo: Console) -> dict[str, str]:
    """The edit form's fields as the page fills them (inputs, textareas, selects)."""
    html = demo.client.get(EDIT).text
    fields = dict(
        re.findall(r'<input id="([^"]+)" name="[^"]+" type="[^"]+" value="([^"]*)"', html)
    )
    fields |= dict(re.findall(r'<textarea id="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    for name, body in re.findall(r'<select id="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    fields["version"] = re.search(r'name="version" value="(\d+)"', html).group(1)  # type: ignore[union-attr]
    fields["csrf"] = demo.csrf(EDIT)
    return {
        k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
        for k, v in fields.items()
    }


def _save(demo: Console, form: dict[str, str], **changes: str) -> Any:
    return demo.client.request("POST", EDIT, data={**form, **changes}, follow_redirects=False)


def test_release_page__draft__links_to_the_edit_form_filled_from_the_release(
    demo: Console,
) -> None:
    assert f'href="{EDIT}"' in demo.client.get(PAGE).text
    form = _form(demo)
    assert form["name"] == "Recommendations v2"
    assert form["feature_flag_0"] == "recommendations-model"
    assert form["plan"].splitlines() == [
        "segment staff hold 3600", "5% hold 3600", "25% hold 86400 manual", "100%",
    ]  # fmt: skip
    assert "notes_title" not in form  # notes are edited on the release's page
    assert form["required_approvals"] == "1"


def test_edit__unchanged_form__saved_as_it_was(demo: Console) -> None:
    before = records.get_release(demo.store, "demo", "recommendations-v2")
    answer = _save(demo, _form(demo))
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?edited=1"
    after = records.get_release(demo.store, "demo", "recommendations-v2")
    for field in ("features", "audience", "plan", "notes", "schedule", "digest", "name"):
        assert after[field] == before[field], field


def test_edit__name_and_plan__saved_and_approvals_voided_shown(demo: Console) -> None:
    release = records.get_release(demo.store, "demo", "recommendations-v2")
    records.approve_release(
        demo.store, OTHER, "demo", "recommendations-v2", {"digest": release["digest"]}
    )
    form = _form(demo)
    assert "saving a change of the environment, features, audience or plan voids it" in (
        demo.client.get(EDIT).text
    )
    answer = _save(demo, form, name="Recs v2", plan="10% hold 600\n100%")
    assert answer.status_code == 303
    after = records.get_release(demo.store, "demo", "recommendations-v2")
    assert after["name"] == "Recs v2" and after["notes"] == release["notes"]
    assert [s["percent"] for s in after["plan"]["stages"]] == [10, 100]
    assert after["approvals"] == {"required": 1, "valid": 0, "void": 1}
    html = demo.client.get(answer.headers["location"]).text
    assert "Saved. Approvals given before this edit are void: it needs 1 approval again." in html
    assert "voided by an edit" in html


def test_edit__stale_version__conflict_input_kept_nothing_changed(demo: Console) -> None:
    form = _form(demo)
    release = records.get_release(demo.store, "demo", "recommendations-v2")
    records.update_release(
        demo.store, OTHER, "demo", "recommendations-v2", {"name": "Theirs"}, release["version"]
    )
    answer = _save(demo, form, name="Mine", description="typed by me")
    assert answer.status_code == 422
    assert "version_conflict" in answer.text and "Changed by someone else" in answer.text
    assert 'value="Mine"' in answer.text and "typed by me" in answer.text
    assert records.get_release(demo.store, "demo", "recommendations-v2")["name"] == "Theirs"
    current = str(release["version"] + 1)
    assert f'name="version" value="{current}"' in answer.text
    again = _save(demo, {**form, "version": current}, name="Mine")
    assert again.status_code == 303
    assert records.get_release(demo.store, "demo", "recommendations-v2")["name"] == "Mine"


def test_edit__bad_plan__error_at_the_field_nothing_changed(demo: Console) -> None:
    form = _form(demo)
    answer = _save(demo, form, plan="fast please")
    assert answer.status_code == 422 and 'id="plan-error"' in answer.text
    assert f'name="version" value="{form["version"]}"' in answer.text
    plan = records.get_release(demo.store, "demo", "recommendations-v2")["plan"]
    assert len(plan["stages"]) == 4


def test_edit__started_release__no_form_and_post_refused(demo: Console) -> None:
    form = _form(demo)
    from sqlalchemy import select

    from premiere.store.releases import Release

    with demo.store.write() as session:
        row = session.scalars(select(Release).where(Release.key == "recommendations-v2")).one()
        row.state, row.stage = "rolling_out", 0
    html = demo.client.get(EDIT).text
    assert "only a release that has not started" in html and 'class="release-form"' not in html
    assert f'href="{EDIT}"' not in demo.client.get(PAGE).text
    answer = _save(demo, form, name="Too late")
    assert answer.status_code == 422 and "invalid_state" in answer.text
