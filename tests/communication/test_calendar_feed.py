"""The releases calendar (``calendar.ics``) through the real app, parsed with
``icalendar``: one event per release, train departure, freeze window and due checklist
item; UIDs stable across fetches; SEQUENCE growing with an edit; ETag and 304."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from tests.api.support import Api
from tests.releases.test_release_api import BASE, create, shop  # noqa: F401  (the fixture)

CALENDAR = f"{BASE}/calendar.ics"
CADENCE = {
    "interval_weeks": 2,
    "weekday": "tuesday",
    "time": "10:00",
    "timezone": "Europe/Berlin",
    "anchor": "2026-01-06",
}
TEMPLATE = {
    "items": [
        {"key": "docs", "title": "Docs published", "owner": "docs@example.com", "required": True},
        {"key": "support", "title": "Support briefed", "owner": "Sam", "due_days_before": 1},
    ]
}


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def planned(api: Api) -> dict[str, Any]:
    """A release planned in three days (its support item due the day before), a train,
    a freeze window."""
    api.ok(api.put(f"{BASE}/checklist-template", TEMPLATE))
    release = create(api, schedule={"start_at": in_days(3)})
    api.ok(api.post(f"{BASE}/release-trains", {"key": "fortnightly", "cadence": CADENCE}), 201)
    window = {"environment": "production", "start": in_days(5), "end": in_days(6), "reason": "Sale"}
    api.ok(api.post(f"{BASE}/freeze-windows", window), 201)
    return release


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def fetch(api: Api, query: str = "", **headers: str) -> Any:
    return api.client.get(CALENDAR + query, headers={**api.auth(), **headers})


def test_calendar__planned_release_train_freeze_item__one_event_each(
    shop: Api,  # noqa: F811
) -> None:
    release = planned(shop)

    response = fetch(shop, "?departures=3")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    found = events(response.content)
    uid = next(u for u in found if u.startswith("release-"))
    assert re.fullmatch(r"release-[0-9]+@shop\.premiere", uid)
    event = found[uid]
    assert str(event["summary"]) == "Release new-checkout (draft)"
    assert event["sequence"] == release["version"]
    assert str(event["url"]) == "http://testserver/projects/shop/releases/new-checkout"
    start = datetime.fromisoformat(release["schedule"]["start_at"])
    assert event.decoded("dtstart") == start.replace(microsecond=0)  # iCalendar has seconds
    assert event.decoded("dtstamp") == event.decoded("last-modified")
    trains = sorted(u for u in found if u.startswith("train-fortnightly-"))
    assert len(trains) == 3
    departure = found[trains[0]]
    assert departure.decoded("dtstart").astimezone(UTC).hour in (8, 9)  # 10:00 in Berlin
    assert str(departure["summary"]) == "Release train fortnightly departs"
    freezes = [u for u in found if u.startswith("freeze-")]
    assert [str(found[u]["summary"]) for u in freezes] == ["Freeze of production"]
    assert "Sale" in str(found[freezes[0]]["description"])
    items = [u for u in found if u.startswith("checklist-")]
    assert len(items) == 1 and items[0].endswith("-support@shop.premiere")  # docs has no date
    assert str(found[items[0]]["summary"]) == "Due: Support briefed (new-checkout, to do)"


def test_calendar__fetched_twice__same_uids_and_etag__304_with_if_none_match(
    shop: Api,  # noqa: F811
) -> None:
    planned(shop)

    first, second = fetch(shop), fetch(shop)
    again = fetch(shop, **{"If-None-Match": first.headers["etag"]})

    assert set(events(first.content)) == set(events(second.content))
    assert first.headers["etag"] == second.headers["etag"]
    assert first.content == second.content
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_calendar__release_edited_and_item_ticked__sequence_grows_uids_stay(
    shop: Api,  # noqa: F811
) -> None:
    release = planned(shop)
    before = fetch(shop)
    old = events(before.content)

    shop.ok(
        shop.patch(
            f"{BASE}/releases/new-checkout",
            {"name": "The new checkout"},
            headers={"If-Match": f'"{release["version"]}"'},
        )
    )
    shop.ok(shop.post(f"{BASE}/releases/new-checkout/checklist/support/tick"))
    after = fetch(shop, **{"If-None-Match": before.headers["etag"]})
    new = events(after.content)

    assert after.status_code == 200
    assert set(new) == set(old)
    changed = {uid for uid in new if uid.startswith(("release-", "checklist-"))}
    assert len(changed) == 2
    for uid in changed:
        assert new[uid]["sequence"] > old[uid]["sequence"], uid
    item = next(uid for uid in changed if uid.startswith("checklist-"))
    assert str(new[item]["summary"]) == "Due: Support briefed (The new checkout, done)"


def test_calendar__feed_token_in_url__answers_without_headers(shop: Api) -> None:  # noqa: F811
    planned(shop)
    token = shop.token("feed", project="shop")

    response = shop.client.get(CALENDAR, params={"token": token})

    assert response.status_code == 200, response.text
    assert any(uid.startswith("release-") for uid in events(response.content))


def test_calendar__admin_or_deploy_token_in_url__403_never_used(shop: Api) -> None:  # noqa: F811
    deploy_token = shop.token("deploy", project="shop")
    for token in (shop.admin_token, deploy_token):
        response = shop.client.get(CALENDAR, params={"token": token})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert "feed" in response.json()["error"]["message"]


def test_calendar__feed_token__other_project_403_other_routes_403(shop: Api) -> None:  # noqa: F811
    shop.project("other")
    token = shop.token("feed", project="other")

    elsewhere = shop.client.get(CALENDAR, params={"token": token})
    own = shop.client.get("/api/v1/projects/other/calendar.ics", params={"token": token})
    reads = shop.client.get("/api/v1/projects/other", headers={"Authorization": f"Bearer {token}"})

    assert elsewhere.status_code == 403
    assert own.status_code == 200
    assert reads.status_code == 403


def test_calendar__no_token_or_revoked__401(shop: Api) -> None:  # noqa: F811
    token = shop.token("feed", project="shop")
    token_id = token.split("_")[1]
    shop.ok(shop.delete(f"/api/v1/tokens/{token_id}"))

    assert shop.client.get(CALENDAR).status_code == 401
    assert shop.client.get(CALENDAR, params={"token": token}).status_code == 401


def test_calendar__departures_out_of_range__422_naming_the_field(shop: Api) -> None:  # noqa: F811
    response = fetch(shop, "?departures=0")

    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["error"]["details"]["errors"]]
    assert fields == ["departures"]


def test_feed_token__without_project_or_with_environment__422_naming_the_field(
    shop: Api,  # noqa: F811
) -> None:
    bare = shop.post("/api/v1/tokens", {"name": "calendar", "scope": "feed"})
    scoped = shop.post(
        "/api/v1/tokens",
        {"name": "c", "scope": "feed", "project": "shop", "environment": "production"},
    )

    for response, field in ((bare, "project"), (scoped, "environment")):
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["error"]["details"]["errors"]] == [field]


def test_calendar__token_in_url__logged_redacted(
    shop: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = shop.token("feed", project="shop")
    caplog.set_level(logging.INFO, logger="premiere.access")

    shop.client.get(CALENDAR, params={"departures": 2, "token": token})

    logged = [r.getMessage() for r in caplog.records if r.name == "premiere.access"]
    assert logged == [f'127.0.0.1:123 - "GET {CALENDAR}?departures=2&token=REDACTED HTTP/1.1" 200']
