"""Work scheduled by an API token that is revoked before it runs is cancelled, with
the reason recorded, instead of running: at once when the token is revoked, and by
the scheduler should it find such work still waiting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.flags import scheduled_changes
from premiere.services.flags.definitions import get_flag_config
from premiere.services.people.tokens import create_token, revoke_token
from premiere.services.releases import records as releases
from premiere.store import Store
from premiere.store.models import ApiToken
from premiere.store.types import utc_now

from .conftest import CREATOR, deploy, later, release_data


def token_actor(store: Store, actor: Actor) -> Actor:
    view = create_token(store, actor, {"name": "ci-bot", "scope": "admin"})
    return Actor(kind="token", id=view["id"], name=view["name"])


def schedule_change(store: Store, by: Actor) -> dict[str, Any]:
    return scheduled_changes.create_scheduled_change(
        store,
        by,
        "demo",
        {
            "flag": "checkout",
            "environment": "production",
            "patch": {"on": True},
            "at": (utc_now() + timedelta(hours=1)).isoformat(),
        },
    )


def test_revoke__token_scheduled_a_change__cancelled_at_once_with_reason(
    store: Store, demo: str, actor: Actor
) -> None:
    # Given a change scheduled by a token
    bot = token_actor(store, actor)
    change = schedule_change(store, bot)
    # When the token is revoked
    revoke_token(store, actor, bot.id)
    # Then the change is cancelled at once, says why, and never runs
    view = scheduled_changes.get_scheduled_change(store, demo, change["id"])
    assert view["status"] == "cancelled"
    assert view["error"].startswith(f"token_revoked: the token 'ci-bot' ({bot.id})")
    events = list_audit_events(store, project=demo, action="scheduled_change.cancelled")["items"]
    assert [(e["actor"]["id"], e["after"]["error"]) for e in events] == [(actor.id, view["error"])]
    assert releases.tick_releases(store, utc_now() + timedelta(hours=2)) == []
    assert get_flag_config(store, demo, "checkout", "production")["on"] is False


def revoke_behind_the_scenes(store: Store, token_id: str) -> None:
    """A revocation the scheduled work was not withdrawn for (it raced the scheduling)."""
    with store.write() as session:
        token = session.get(ApiToken, token_id)
        assert token is not None
        token.revoked_at = utc_now()


def test_tick__change_by_token_revoked_meanwhile__cancelled_not_applied(
    store: Store, demo: str, actor: Actor
) -> None:
    bot = token_actor(store, actor)
    change = schedule_change(store, bot)
    revoke_behind_the_scenes(store, bot.id)
    done = releases.tick_releases(store, utc_now() + timedelta(hours=2))
    assert done == [
        {"kind": "scheduled_change", "project": "demo", "id": change["id"], "action": "cancelled"}
    ]
    view = scheduled_changes.get_scheduled_change(store, demo, change["id"])
    assert view["status"] == "cancelled"
    assert view["error"].startswith(f"token_revoked: the token 'ci-bot' ({bot.id})")
    assert get_flag_config(store, demo, "checkout", "production")["on"] is False
    events = list_audit_events(store, project=demo, action="scheduled_change.cancelled")["items"]
    assert [e["actor"]["kind"] for e in events] == ["system"]
    assert releases.tick_releases(store, utc_now() + timedelta(hours=3)) == []


def test_scheduled_change__creator_token_live__applied(
    store: Store, demo: str, actor: Actor
) -> None:
    change = schedule_change(store, token_actor(store, actor))
    done = releases.tick_releases(store, utc_now() + timedelta(hours=2))
    assert [item["action"] for item in done] == ["applied"]
    assert scheduled_changes.get_scheduled_change(store, demo, change["id"])["error"] is None
    assert get_flag_config(store, demo, "checkout", "production")["on"] is True


def test_revoke__token_scheduled_a_release__back_to_draft_at_once(
    store: Store, demo: str, actor: Actor
) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data())
    bot = token_actor(store, actor)
    releases.schedule_release(store, bot, demo, "new-checkout", {}, view["version"])
    assert [item["action"] for item in releases.tick_releases(store, later(-1))] == ["ready"]
    revoke_token(store, actor, bot.id)
    after = releases.get_release(store, demo, "new-checkout")
    assert (after["state"], after["last_transition"]["action"]) == ("draft", "cancelled")
    assert after["last_transition"]["reason"].startswith("token_revoked: the token 'ci-bot'")
    assert after["last_transition"]["actor"]["id"] == actor.id
    assert releases.tick_releases(store, utc_now()) == []


def test_tick__release_scheduled_by_token_revoked_meanwhile__back_to_draft_not_started(
    store: Store, demo: str, actor: Actor
) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data())
    bot = token_actor(store, actor)
    view = releases.schedule_release(store, bot, demo, "new-checkout", {}, view["version"])
    revoke_behind_the_scenes(store, bot.id)
    before = get_flag_config(store, demo, "checkout", "production")
    done = releases.tick_releases(store, utc_now())
    assert [item["action"] for item in done] == ["cancelled"]
    after = releases.get_release(store, demo, "new-checkout")
    assert after["state"] == "draft"
    assert after["last_transition"]["action"] == "cancelled"
    assert after["last_transition"]["reason"].startswith("token_revoked: the token 'ci-bot'")
    assert get_flag_config(store, demo, "checkout", "production") == before
    events = list_audit_events(store, project=demo, action="release.cancelled")["items"]
    assert [e["actor"]["kind"] for e in events] == ["system"]
    assert releases.tick_releases(store, utc_now()) == []


def test_release__scheduled_by_live_token__starts(store: Store, demo: str, actor: Actor) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data())
    bot = token_actor(store, actor)
    releases.schedule_release(store, bot, demo, "new-checkout", {}, view["version"])
    actions = [item["action"] for item in releases.tick_releases(store, utc_now())]
    actions += [item["action"] for item in releases.tick_releases(store, utc_now())]
    assert actions == ["ready", "started"]
