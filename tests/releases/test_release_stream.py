"""A release action reaches SDK streams as one patch: one new document version
holding every flag the action changed."""

from __future__ import annotations

from api.live import open_stream, serve
from premiere.api.sdk.broadcaster import BroadcastSettings
from premiere.services.releases import records as releases
from premiere.store import Store
from releases.conftest import CREATOR, deploy, release_data

FLAGS = ("checkout", "banner")


def test_stream__release_starts_with_two_flags__one_patch_one_version(
    store: Store, demo: str
) -> None:
    deploy(store, features=list(FLAGS))
    data = release_data(features=[{"flag": flag, "variation": 0} for flag in FLAGS])
    view = releases.create_release(store, CREATOR, demo, data)
    settings = BroadcastSettings(heartbeat_seconds=30, poll_seconds=0.05)
    with (
        serve(store, broadcast=settings) as live,
        open_stream(live, live.token("sdk-server")) as events,
    ):
        version, _ = events.next_json("document")
        releases.start_release(store, CREATOR, demo, view["key"], {}, view["version"])
        patch_id, patch = events.next_json("patch")
    assert patch_id == patch["version"] == version + 1
    assert sorted(patch["flags"]) == sorted(FLAGS)
    assert all(flag["on"] is True for flag in patch["flags"].values())
