"""A flag that a release in flight controls: its page and rule editor say which release
locks it and show no edit form for that environment; a forced POST is refused with
``flag_locked_by_release`` and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from premiere.services.flags import definitions
from premiere.store.releases import Release

from .conftest import Console

PAGE = "/projects/demo/flags/recommendations-model"
EDITS = f"{PAGE}/environments/production"


def _in_flight(demo: Console, state: str = "rolling_out") -> None:
    """The demo's release (recommendations-model in production) in ``state``."""
    with demo.store.write() as session:
        row = session.scalars(select(Release).where(Release.key == "recommendations-v2")).one()
        row.state, row.stage = state, 0


def _config(demo: Console, environment: str = "production") -> dict[str, object]:
    return dict(
        definitions.get_flag_config(demo.store, "demo", "recommendations-model", environment)
    )


@pytest.mark.parametrize(("state", "said"), [("rolling_out", "rolling out"), ("paused", "paused")])
def test_flag_page__locked__notice_links_the_release_and_no_edit_form(
    demo: Console, state: str, said: str
) -> None:
    _in_flight(demo, state)
    html = demo.client.get(PAGE, params={"environment": "production"}).text
    assert (
        "Locked by release" in html and 'href="/projects/demo/releases/recommendations-v2"' in html
    )
    assert f"which is {said} in production" in html
    assert "roll the release back" in html and "pausing does not unlock it" in html
    assert f'action="{EDITS}/' not in html  # no edit form for production
    assert f'href="{EDITS}/rules"' not in html
    staging = demo.client.get(PAGE, params={"environment": "staging"}).text
    assert "Locked by release" not in staging
    assert f'action="{PAGE}/environments/staging/switch"' in staging


def test_flag_page__locked__forced_post_refused_nothing_changed(demo: Console) -> None:
    csrf = demo.csrf(PAGE)
    _in_flight(demo)
    before = _config(demo)
    for edit, fields in [
        ("switch", {"on": "false" if before["on"] else "true"}),
        ("targets-add", {"target_keys": "forced", "target_variation": "0"}),
        ("off-variation", {"off_variation": "0"}),
    ]:
        data = {"csrf": csrf, "version": str(before["version"]), **fields}
        answer = demo.client.request("POST", f"{EDITS}/{edit}", data=data)
        assert answer.status_code == 422, edit
        assert "flag_locked_by_release" in answer.text
        assert "release &#39;recommendations-v2&#39;" in answer.text
    assert _config(demo) == before


def test_rule_editor__locked__notice_form_disabled_forced_save_refused(demo: Console) -> None:
    csrf = demo.csrf(PAGE)
    _in_flight(demo)
    before = _config(demo)
    editor = demo.client.get(f"{EDITS}/rules").text
    assert "Locked by release" in editor
    assert '<fieldset class="rules-lock"  disabled>' in editor
    data = {
        "csrf": csrf,
        "version": str(before["version"]),
        "action": "save",
        "rules-0-clauses-0-attribute": "plan",
        "rules-0-clauses-0-op": "in",
        "rules-0-clauses-0-values": "vip",
        "rules-0-serve": "0",
    }
    answer = demo.client.request("POST", f"{EDITS}/rules", data=data)
    assert answer.status_code == 422 and "flag_locked_by_release" in answer.text
    assert _config(demo) == before
