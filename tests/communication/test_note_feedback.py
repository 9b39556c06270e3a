"""End users' feedback on notes through the real app: stored with the variation and the
stage, refused on an unpublished note, limited per context key and per client address,
summarised per release and exported as CSV (and by the CLI's commands)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, select

from premiere.api.communication.whatsnew import FEEDBACK_LIMITS
from premiere.api.limits import FeedbackRateLimits
from premiere.store.communication import NoteFeedback
from tests.api.support import Api
from tests.communication.test_whats_new_api import NOTES, USERS, checkout_on, rolled_out
from tests.releases.test_release_api import BASE, shop

__all__ = ["shop"]


def feedback(api: Api, token: str, note: int, key: str, **body: Any) -> Any:
    return api.post(
        f"/api/v1/whats-new/{note}/feedback", {"context": {"key": key}, **body}, token=token
    )


def stored(api: Api) -> int:
    with api.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(NoteFeedback)) or 0)


def first_note(api: Api) -> int:
    return int(api.ok(api.get(NOTES))[0]["id"])


def test_feedback__reaction_and_comment__stored_with_variation_and_stage(shop: Api) -> None:
    rolled_out(shop)
    client = shop.token("sdk-client", "shop", "production")
    server = shop.token("sdk-server", "shop", "production")
    note = first_note(shop)
    inside = next(u for u in USERS if checkout_on(shop, server, u))
    comment = "<script>alert(1)</script> =SUM(A1)"
    view = shop.ok(feedback(shop, client, note, inside, reaction="love", comment=comment), 201)
    assert (view["reaction"], view["comment"]) == ("love", comment)  # stored as text
    assert view["variations"] == {"checkout": {"variation": 0, "value": True, "on": True}}
    assert (view["release_state"], view["stage"], view["stage_label"]) == (
        "rolling_out",
        1,
        "2: 25 %",
    )
    summary = shop.ok(shop.get(f"{BASE}/releases/new-checkout/feedback"))
    (stage,) = summary["stages"]
    assert stage["reactions"] == {"like": 0, "dislike": 0, "love": 1, "confused": 0}
    assert (stage["comments"], summary["total"]["feedback"]) == (1, 1)
    exported = shop.get(f"{BASE}/releases/new-checkout/feedback.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["comment"] == comment and row["reaction"] == "love"
    assert shop.get(f"{BASE}/releases/nope/feedback").status_code == 404


def test_feedback__formula_cell__exported_with_a_quote(shop: Api) -> None:
    rolled_out(shop, stages=2)
    client = shop.token("sdk-client", "shop", "production")
    shop.ok(feedback(shop, client, first_note(shop), "u1", comment="=HYPERLINK(1)"), 201)
    text = shop.get(f"{BASE}/releases/new-checkout/feedback.csv").text
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["comment"] == "'=HYPERLINK(1)"


def test_feedback__unpublished_note__422_naming_the_note(shop: Api) -> None:
    rolled_out(shop)
    client = shop.token("sdk-client", "shop", "production")
    note = shop.ok(shop.post(NOTES, {"title": "Later"}), 201)
    shop.ok(shop.post(f"{NOTES}/{note['id']}/unpublish"))
    for note_id in (note["id"], 999_999):
        response = feedback(shop, client, note_id, "u1", reaction="like")
        assert response.status_code == 422
        (error,) = response.json()["error"]["details"]["errors"]
        assert (error["field"], error["rule"]) == ("note", "published")
    assert stored(shop) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reaction": "angry"}, "reaction"),
        ({"comment": "x" * 1001}, "comment"),
        ({}, "reaction"),
        ({"comment": "   "}, "reaction"),
    ],
)
def test_feedback__bad_input__422_naming_the_field(
    shop: Api, body: dict[str, Any], field: str
) -> None:
    rolled_out(shop)
    client = shop.token("sdk-client", "shop", "production")
    response = feedback(shop, client, first_note(shop), "u1", **body)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["field"] == field
    assert stored(shop) == 0


def test_feedback__flood_from_one_user__429_and_nothing_stored_beyond(shop: Api) -> None:
    rolled_out(shop, stages=2)
    setattr(shop.client.app.state, FEEDBACK_LIMITS, FeedbackRateLimits(1000, 3))
    client = shop.token("sdk-client", "shop", "production")
    note = first_note(shop)
    statuses = [
        feedback(shop, client, note, "flooder", reaction="like").status_code for _ in range(8)
    ]
    assert statuses == [201] * 3 + [429] * 5
    limited = feedback(shop, client, note, "flooder", reaction="like")
    assert int(limited.headers["Retry-After"]) >= 1
    assert stored(shop) == 3
    assert feedback(shop, client, note, "someone-else", reaction="like").status_code == 201


def test_feedback__flood_from_one_address__429_whatever_the_key(shop: Api) -> None:
    rolled_out(shop, stages=2)
    setattr(shop.client.app.state, FEEDBACK_LIMITS, FeedbackRateLimits(4, 1000))
    client = shop.token("sdk-client", "shop", "production")
    note = first_note(shop)
    statuses = [
        feedback(shop, client, note, f"u{i}", reaction="like").status_code for i in range(7)
    ]
    assert statuses == [201] * 4 + [429] * 3
    assert stored(shop) == 4
