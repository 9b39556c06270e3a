"""The changelog's settings page: reached from the settings page, turned off and on by
a form (the public page follows), the feeds' and the calendar's addresses shown, and no
category chosen refused beside the field."""

from __future__ import annotations

from premiere.services.communication.changelog import get_changelog_settings

from .conftest import Console

SETTINGS = "/projects/demo/settings/changelog"


def test_changelog_settings__off_then_on_by_form__public_page_follows(demo: Console) -> None:
    before = demo.client.get("/changelog/demo")
    assert demo.client.get("/projects/demo/settings").text.count(SETTINGS) == 1
    page = demo.client.get(SETTINGS)
    assert page.status_code == 200 and "<h1>Changelog and feeds</h1>" in page.text
    assert "The changelog is off" not in page.text

    form = {"csrf": demo.csrf(SETTINGS), "version": "0", "category-new": "true"}
    off = demo.client.request("POST", SETTINGS, data=form, follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == SETTINGS
    assert "The changelog is off" in demo.client.get(SETTINGS).text
    closed = demo.client.get("/changelog/demo")

    form = {"csrf": demo.csrf(SETTINGS), "version": "1", "enabled": "true"}
    form |= {"category-new": "true", "category-fixed": "true"}
    saved = demo.client.request("POST", SETTINGS, data=form, follow_redirects=False)
    after = demo.client.get(SETTINGS).text

    assert before.status_code == 200 and closed.status_code == 404
    assert saved.status_code == 303 and saved.headers["location"] == SETTINGS
    settings = get_changelog_settings(demo.store, "demo")
    assert (settings["enabled"], settings["categories"]) == (True, ["new", "fixed"])
    assert "http://testserver/changelog/demo/feed.atom" in after
    assert "http://testserver/api/v1/projects/demo/calendar.ics?token=" in after
    assert demo.client.get("/changelog/demo").status_code == 200


def test_changelog_settings__no_category__422_beside_the_field(demo: Console) -> None:
    form = {"csrf": demo.csrf(SETTINGS), "version": "0", "enabled": "true"}

    refused = demo.client.request("POST", SETTINGS, data=form, follow_redirects=False)

    assert refused.status_code == 422
    assert 'href="#categories"' in refused.text and "at least one category" in refused.text
    assert 'id="categories-error"' in refused.text
    assert get_changelog_settings(demo.store, "demo")["version"] == 0


def test_changelog_settings__signed_out__sent_to_sign_in(console: Console) -> None:
    answer = console.client.get(SETTINGS, follow_redirects=False)

    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
