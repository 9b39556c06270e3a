"""The webhook pages: list, create (the secret shown once), refusals at their fields,
edit, disable (pending deliveries cancelled, shown in the log), the test event,
redelivery, delete after a confirmation; a release's announcements (SQLite and
PostgreSQL)."""

from __future__ import annotations

import httpx

from premiere.services import SYSTEM
from premiere.services.audit import record_audit_event
from premiere.services.communication import outbox, webhooks

from .conftest import Console

HOOKS = "/projects/demo/webhooks"
RECEIVER = "https://hooks.example.com/premiere"


def _post(demo: Console, path: str, data: dict[str, str]) -> httpx.Response:
    csrf = demo.csrf(HOOKS)
    return demo.client.request("POST", path, data={"csrf": csrf, **data}, follow_redirects=False)


def _create(demo: Console, url: str = RECEIVER, **more: str) -> httpx.Response:
    fields = {"url": url, "description": "ops", "format": "standard"}
    fields |= {"event:release.started": "true", "event:deployment.failed": "true"}
    return _post(demo, f"{HOOKS}/new", fields | more)


def _secret(html: str) -> str:
    start = html.index('id="webhook-secret"')
    return html[html.index('value="', start) + 7 :].split('"')[0]


def test_webhooks__from_settings__listed_with_an_empty_state(demo: Console) -> None:
    settings = demo.client.get("/projects/demo/settings").text
    assert f'href="{HOOKS}"' in settings
    html = demo.client.get(HOOKS).text
    assert "<h1>Webhooks</h1>" in html
    assert "No webhook yet" in html
    assert f'href="{HOOKS}/new"' in html
    assert 'href="/projects/demo/subscribers"' in html


def test_create__secret_shown_once__webhook_listed(demo: Console) -> None:
    answer = _create(demo)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    secret = _secret(answer.text)
    assert secret.startswith("whsec_")
    [hook] = webhooks.list_webhooks(demo.store, "demo")
    assert hook["events"] == ["deployment.failed", "release.started"]
    assert hook["description"] == "ops" and hook["format"] == "standard"
    page = demo.client.get(f"{HOOKS}/{hook['id']}").text
    assert secret not in page
    assert "No delivery yet" in page
    listing = demo.client.get(HOOKS).text
    assert RECEIVER in listing and "none yet" in listing


def test_create__loopback_or_no_events__refused_at_the_fields(demo: Console) -> None:
    answer = _create(demo, url="http://127.0.0.1:9/hooks")
    assert answer.status_code == 422
    assert 'href="#url"' in answer.text and "<code>validation_failed</code>" in answer.text
    assert "PREMIERE_WEBHOOK_ALLOWED_ADDRESSES" in answer.text
    assert 'value="http://127.0.0.1:9/hooks"' in answer.text  # the input kept
    answer = _post(demo, f"{HOOKS}/new", {"url": RECEIVER, "format": "standard"})
    assert answer.status_code == 422
    assert 'href="#events"' in answer.text and 'id="events-error"' in answer.text
    answer = _create(demo, url="ftp://example.com/x")
    assert answer.status_code == 422 and 'href="#url"' in answer.text
    assert webhooks.list_webhooks(demo.store, "demo") == []


def test_edit__saved__stale_version_refused(demo: Console) -> None:
    hook = webhooks.create_webhook(
        demo.store, SYSTEM, "demo", {"url": RECEIVER, "events": ["release.started"]}
    )
    form = demo.client.get(f"{HOOKS}/{hook['id']}/edit").text
    assert 'id="event-release-started" name="event:release.started" value="true" checked' in form
    fields = {"url": RECEIVER + "/v2", "format": "slack", "version": str(hook["version"])}
    answer = _post(demo, f"{HOOKS}/{hook['id']}/edit", fields | {"event:note.published": "true"})
    assert answer.status_code == 303
    saved = webhooks.get_webhook(demo.store, "demo", hook["id"])
    assert saved["events"] == ["note.published"] and saved["format"] == "slack"
    stale = _post(demo, f"{HOOKS}/{hook['id']}/edit", fields | {"event:release.paused": "true"})
    assert stale.status_code == 422
    assert "<code>version_conflict</code>" in stale.text
    assert f'name="version" value="{saved["version"]}"' in stale.text  # saving again wins
    assert webhooks.get_webhook(demo.store, "demo", hook["id"])["events"] == ["note.published"]


def test_disable__pending_deliveries_cancelled_and_shown(demo: Console) -> None:
    hook = webhooks.create_webhook(
        demo.store, SYSTEM, "demo", {"url": RECEIVER, "events": ["release.started"]}
    )
    answer = _post(demo, f"{HOOKS}/{hook['id']}/test", {})
    assert answer.status_code == 303
    [pending] = outbox.list_deliveries(demo.store, "demo", hook["id"])["items"]
    assert pending["status"] == "pending"
    assert f"?sent={pending['id']}" in answer.headers["location"]
    refused = _post(demo, f"{HOOKS}/{hook['id']}/deliveries/{pending['id']}/redeliver", {})
    assert refused.status_code == 422 and "invalid_state" in refused.text

    answer = _post(demo, f"{HOOKS}/{hook['id']}/disable", {"version": str(hook["version"])})
    assert answer.status_code == 303
    [cancelled] = outbox.list_deliveries(demo.store, "demo", hook["id"])["items"]
    assert cancelled["status"] == "cancelled"
    page = demo.client.get(f"{HOOKS}/{hook['id']}").text
    assert "badge--cancelled" in page and "badge--disabled" in page
    assert ">Enable</button>" in page
    again = _post(demo, f"{HOOKS}/{hook['id']}/enable", {"version": str(hook["version"] + 1)})
    assert again.status_code == 303
    assert webhooks.get_webhook(demo.store, "demo", hook["id"])["enabled"] is True


def test_rotate__new_secret_shown_once(demo: Console) -> None:
    hook = webhooks.create_webhook(
        demo.store, SYSTEM, "demo", {"url": RECEIVER, "events": ["release.started"]}
    )
    answer = _post(demo, f"{HOOKS}/{hook['id']}/rotate-secret", {})
    assert answer.status_code == 200
    secret = _secret(answer.text)
    assert secret.startswith("whsec_") and secret != hook["secret"]
    assert "Signing secret rotated" in answer.text


def test_delete__after_a_confirmation_page(demo: Console) -> None:
    hook = webhooks.create_webhook(
        demo.store, SYSTEM, "demo", {"url": RECEIVER, "events": ["release.started"]}
    )
    confirm = demo.client.get(f"{HOOKS}/{hook['id']}/delete")
    assert confirm.status_code == 200
    assert f'action="{HOOKS}/{hook["id"]}/delete"' in confirm.text
    assert webhooks.list_webhooks(demo.store, "demo") != []
    answer = _post(demo, f"{HOOKS}/{hook['id']}/delete", {})
    assert answer.status_code == 303
    assert webhooks.list_webhooks(demo.store, "demo") == []
    assert demo.client.get(f"{HOOKS}/{hook['id']}").status_code == 404
    assert demo.client.get(f"{HOOKS}/abc").status_code == 404


def test_release_page__announcements_of_that_release(demo: Console) -> None:
    hook = webhooks.create_webhook(
        demo.store, SYSTEM, "demo", {"url": RECEIVER, "events": ["release.paused"]}
    )
    page = "/projects/demo/releases/recommendations-v2"
    assert "No webhook delivery about this release yet" in demo.client.get(page).text
    for key in ("recommendations-v2", "other-release"):
        with demo.store.write() as session:
            record_audit_event(
                session, SYSTEM, "release.paused", project="demo", resource_type="release",
                resource_key=key,
            )  # fmt: skip
    [mine] = outbox.list_release_announcements(demo.store, "demo", "recommendations-v2")
    assert mine["webhook_id"] == hook["id"] and mine["event_type"] == "release.paused"
    html = demo.client.get(page).text
    section = html[html.index('id="announcements-heading"') :]
    assert "release.paused" in section and RECEIVER in section
    assert section.count("badge--pending") == 1


def test_deliveries_log__paged__older_link_and_bad_cursor(demo: Console) -> None:
    hook = webhooks.create_webhook(
        demo.store, SYSTEM, "demo", {"url": RECEIVER, "events": ["release.started"]}
    )
    sent = [outbox.send_test_event(demo.store, SYSTEM, "demo", hook["id"]) for _ in range(27)]
    first = demo.client.get(f"{HOOKS}/{hook['id']}").text
    assert first.count("<code>", first.index("delivery-log")) >= 25
    assert (
        f"<code>{sent[-1]['id']}</code>" in first and f"<code>{sent[1]['id']}</code>" not in first
    )
    older = first[first.index('rel="next"') - 200 : first.index('rel="next"')]
    link = older[older.index('href="') + 6 :].split('"')[0].replace("&amp;", "&")
    second = demo.client.get(link).text
    assert f"<code>{sent[0]['id']}</code>" in second and f"<code>{sent[1]['id']}</code>" in second
    assert f"<code>{sent[-1]['id']}</code>" not in second
    assert 'rel="next"' not in second
    bad = demo.client.get(f"{HOOKS}/{hook['id']}?cursor=nonsense")
    assert bad.status_code == 422 and "is not a cursor from this list" in bad.text
