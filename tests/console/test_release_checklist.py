"""The go-to-market checklist in the console: shown on a release's page with readiness
naming missing items, ticked and unticked through forms (CSRF, who and when, audited),
an item added (owner required), the calendar's due items, and the project's template."""

from __future__ import annotations

import re
from typing import Any

from premiere.services import SYSTEM
from premiere.services.audit import list_audit_events
from premiere.services.releases import checklist, records
from premiere.services.releases.checklist_templates import get_checklist_template

from .conftest import Console

KEY = "recommendations-v2"
PAGE = f"/projects/demo/releases/{KEY}"
DEMO_ITEMS = ["docs-published", "support-briefed", "announcement-approved"]  # its template's
TEMPLATE = "/projects/demo/settings/checklist"
ITEMS = [
    {"key": "docs", "title": "Docs published", "owner": "docs@example.com", "required": True},
    {
        "key": "support",
        "title": "Support briefed",
        "owner": "Sam",
        "due_at": "2026-12-03T12:00:00Z",
    },
    {
        "key": "training",
        "title": "Training scheduled",
        "owner": "Tia",
        "due_at": "2026-11-28T12:00:00Z",
    },
]


def _with_items(demo: Console) -> None:
    data = {"items": ITEMS}
    checklist.set_release_checklist(demo.store, SYSTEM, "demo", "recommendations-v2", data)


def _post(demo: Console, path: str, data: dict[str, str], page: str = PAGE) -> Any:
    return demo.client.request(
        "POST", path, data={"csrf": demo.csrf(page), **data}, follow_redirects=False
    )


def _row(html: str, key: str) -> str:
    found = re.search(rf'<tr id="item-{key}">.*?</tr>', html, re.S)
    assert found, key
    return found.group(0)


def test_release_page__required_item_not_done__readiness_links_to_it(demo: Console) -> None:
    _with_items(demo)

    html = demo.client.get(PAGE).text

    assert "Checklist: Docs published (owner docs@example.com) is not done" in html
    assert 'href="#item-docs"' in html
    docs = _row(html, "docs")
    assert "badge--required" in docs and "Not done" in docs
    assert 'aria-label="Mark Docs published done"' in docs
    assert "badge--overdue" in _row(html, "training")  # due 28 Nov, the clock says 1 Dec
    assert "badge--overdue" not in _row(html, "support")


def test_tick_form__with_csrf__done_by_whom_and_when_and_audited(demo: Console) -> None:
    _with_items(demo)

    answer = _post(demo, f"{PAGE}/checklist/docs/tick", {})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}#item-docs"
    row = _row(demo.client.get(PAGE).text, "docs")
    assert "Done by " in row and 'aria-label="Mark Docs published not done"' in row
    assert "Checklist: Docs published" not in demo.client.get(PAGE).text
    events = list_audit_events(
        demo.store, project="demo", action="readiness.item_done", resource_key=KEY
    )
    assert [e["after"]["key"] for e in events["items"]] == ["docs"]
    assert _post(demo, f"{PAGE}/checklist/docs/untick", {}).status_code == 303
    view = checklist.get_release_checklist(demo.store, "demo", "recommendations-v2")
    assert view["missing"] == ["docs"]


def test_tick_form__without_csrf__refused_nothing_changed(demo: Console) -> None:
    _with_items(demo)

    answer = demo.client.request(
        "POST", f"{PAGE}/checklist/docs/tick", data={}, follow_redirects=False
    )

    assert answer.status_code == 403
    view = checklist.get_release_checklist(demo.store, "demo", "recommendations-v2")
    assert view["missing"] == ["docs"]


def test_add_item_form__no_owner__422_message_at_the_field(demo: Console) -> None:
    answer = _post(demo, f"{PAGE}/checklist/items", {"title": "Announcement approved"})

    assert answer.status_code == 422
    assert 'id="owner-error"' in answer.text and "owner is required" in answer.text
    assert 'value="Announcement approved"' in answer.text
    items = checklist.get_release_checklist(demo.store, "demo", KEY)["items"]
    assert [item["key"] for item in items] == DEMO_ITEMS


def test_add_item_form__required_with_due__added_and_gates_start(demo: Console) -> None:
    data = {"title": "Press release out", "owner": "pr@example.com", "required": "true"}

    answer = _post(demo, f"{PAGE}/checklist/items", {**data, "due_at": "2026-12-05T10:00"})

    assert answer.status_code == 303
    item = checklist.get_release_checklist(demo.store, "demo", KEY)["items"][-1]
    assert (item["key"], item["required"]) == ("press-release-out", True)
    assert item["due_at"] == "2026-12-05T10:00:00.000000Z"


def test_calendar__due_items_on_their_day__overdue_marked(demo: Console) -> None:
    _with_items(demo)

    html = demo.client.get("/projects/demo/releases/calendar?date=2026-11-15").text

    cell = re.search(r'<time datetime="2026-11-28" class="calendar-day">.*?</td>', html, re.S)
    assert cell is not None
    assert "Training scheduled" in cell.group(0) and "badge--overdue" in cell.group(0)
    assert f'href="{PAGE}#item-training"' in cell.group(0)


def test_template_form__owner_missing__422_at_the_row(demo: Console) -> None:
    answer = _post(
        demo,
        TEMPLATE,
        {"items[0].title": "Docs published", "items[0].owner": "", "items[1].title": ""},
        page=TEMPLATE,
    )

    assert answer.status_code == 422
    assert 'id="items[0].owner-error"' in answer.text
    items = get_checklist_template(demo.store, "demo")["items"]
    assert [item["key"] for item in items] == DEMO_ITEMS  # the demo's, unchanged


def test_template_form__saved__new_releases_get_the_items(demo: Console) -> None:
    form = {
        "items[0].title": "Docs published", "items[0].owner": "docs@example.com",
        "items[0].required": "true", "items[0].due_days_before": "3",
        "items[1].title": "", "items[1].owner": "",
    }  # fmt: skip

    answer = _post(demo, TEMPLATE, form, page=TEMPLATE)

    assert answer.status_code == 303
    items = get_checklist_template(demo.store, "demo")["items"]
    assert items == [
        {"key": "docs-published", "title": "Docs published", "owner": "docs@example.com",
         "required": True, "due_days_before": 3},
    ]  # fmt: skip
    html = demo.client.get(TEMPLATE).text
    assert 'value="docs@example.com"' in html
    assert (
        'href="/projects/demo/settings/checklist"'
        in demo.client.get("/projects/demo/settings").text
    )
    data = {
        "key": "gtm",
        "environment": "production",
        "features": [{"flag": "new-checkout", "variation": 0}],
    }
    records.create_release(demo.store, SYSTEM, "demo", data)
    assert checklist.get_release_checklist(demo.store, "demo", "gtm")["missing"] == [
        "docs-published"
    ]
