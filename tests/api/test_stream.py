"""GET /api/v1/sdk/stream through a live server: document, patches, Last-Event-ID,
heartbeats, client tokens, auth; on PostgreSQL also a change made on another replica."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from premiere.api.sdk.broadcaster import BroadcastSettings, ChangeBroadcaster
from premiere.sdk.sse import Comment
from premiere.services import SYSTEM
from premiere.services.flags import definitions as flag_service
from premiere.store import Store

from .live import LiveServer, open_stream, serve

CONFIG = "/api/v1/projects/demo/flags/{flag}/environments/production"


@pytest.fixture
def live(store: Store) -> Iterator[LiveServer]:
    # PostgreSQL: the fallback poll is slow, so changes must come through NOTIFY.
    settings = BroadcastSettings(heartbeat_seconds=30, poll_seconds=0.1, fallback_poll_seconds=60)
    with serve(store, broadcast=settings) as s:
        s.admin("POST", "/api/v1/projects", {"key": "demo", "name": "Demo"}, 201)
        for env in ("staging", "production"):
            s.admin("POST", "/api/v1/projects/demo/environments", {"key": env}, 201)
        s.admin("POST", "/api/v1/projects/demo/flags", {"key": "server-only"}, 201)
        body = {"key": "public", "client_visible": True}
        s.admin("POST", "/api/v1/projects/demo/flags", body, 201)
        yield s


def turn_on(server: LiveServer, flag: str, on: bool = True) -> dict[str, Any]:
    current = server.admin("GET", CONFIG.format(flag=flag))
    body = {"on": on, "version": current["version"]}
    return dict(server.admin("PATCH", CONFIG.format(flag=flag), body))


def sdk_document(server: LiveServer, token: str) -> dict[str, Any]:
    with server.client(token) as client:
        return dict(client.get("/api/v1/sdk/flags").json())


def test_stream__connect__whole_document_with_its_version_as_id(live: LiveServer) -> None:
    token = live.token("sdk-server")
    with open_stream(live, token) as events:
        version, document = events.next_json("document")

    assert document == sdk_document(live, token)
    assert version == document["version"]
    assert set(document["flags"]) == {"server-only", "public"}


def test_stream__admin_change__patch_with_the_flag_in_document_form(live: LiveServer) -> None:
    token = live.token("sdk-server")
    with open_stream(live, token) as events:
        version, _ = events.next_json("document")
        turn_on(live, "server-only")
        patch_id, patch = events.next_json("patch")

    assert patch_id == patch["version"] == version + 1
    assert patch["segments"] == {}
    assert patch["flags"] == {"server-only": sdk_document(live, token)["flags"]["server-only"]}
    assert patch["flags"]["server-only"]["on"] is True


def test_stream__flag_archived__null_in_patch(live: LiveServer) -> None:
    token = live.token("sdk-server")
    with open_stream(live, token) as events:
        events.next_json("document")
        live.admin("POST", "/api/v1/projects/demo/flags/server-only/archive", {"version": 1})
        _, patch = events.next_json("patch")

    assert patch["flags"] == {"server-only": None}


def test_stream__segment_created_and_deleted__segment_then_null(live: LiveServer) -> None:
    token = live.token("sdk-server")
    with open_stream(live, token) as events:
        events.next_json("document")
        body = {"key": "staff", "included": ["ada"]}
        live.admin("POST", "/api/v1/projects/demo/segments", body, 201)
        _, created = events.next_json("patch")
        live.admin(
            "DELETE", "/api/v1/projects/demo/segments/staff", None, 204, **{"If-Match": '"1"'}
        )
        _, deleted = events.next_json("patch")

    assert created["segments"]["staff"]["included"] == ["ada"]
    assert deleted["segments"] == {"staff": None}


def test_stream__last_event_id_current__no_document_until_the_next_change(
    live: LiveServer,
) -> None:
    token = live.token("sdk-server")
    version = sdk_document(live, token)["version"]
    with open_stream(live, token, **{"Last-Event-ID": str(version)}) as events:
        turn_on(live, "public")
        patch_id, patch = events.next_json("patch")

    assert patch_id == version + 1
    assert set(patch["flags"]) == {"public"}


@pytest.mark.parametrize("last_id", ["1", "999999", "not-a-number", ""])
def test_stream__last_event_id_stale_or_unknown__whole_document(
    live: LiveServer, last_id: str
) -> None:
    token = live.token("sdk-server")
    with open_stream(live, token, **{"Last-Event-ID": last_id}) as events:
        version, document = events.next_json("document")

    assert version == sdk_document(live, token)["version"] == document["version"]


def test_stream__quiet__heartbeat_comments(store: Store) -> None:
    settings = BroadcastSettings(heartbeat_seconds=0.1)
    with serve(store, broadcast=settings) as server:
        server.admin("POST", "/api/v1/projects", {"key": "demo", "name": "Demo"}, 201)
        server.admin("POST", "/api/v1/projects/demo/environments", {"key": "production"}, 201)
        with open_stream(server, server.token("sdk-server")) as events:
            events.next_json("document")
            first, second = events.next(), events.next()

    assert first == second == Comment("heartbeat")


def test_stream__client_token__only_client_visible_flags_and_their_segments(
    live: LiveServer,
) -> None:
    token = live.token("sdk-client")
    live.admin("POST", "/api/v1/projects/demo/segments", {"key": "staff"}, 201)
    live.admin("POST", "/api/v1/projects/demo/segments", {"key": "other"}, 201)
    with open_stream(live, token) as events:
        _, document = events.next_json("document")
        turn_on(live, "server-only")
        _, hidden = events.next_json("patch")
        rule = {
            "id": "staff",
            "clauses": [{"attribute": "key", "op": "segment_match", "values": ["staff"]}],
            "serve": {"variation": 0},
        }
        current = live.admin("GET", CONFIG.format(flag="public"))
        live.admin(
            "PATCH", CONFIG.format(flag="public"), {"rules": [rule], "version": current["version"]}
        )
        _, uses_segment = events.next_json("patch")
        live.admin(
            "PATCH", "/api/v1/projects/demo/flags/public", {"client_visible": False, "version": 1}
        )
        _, hidden_now = events.next_json("patch")

    assert set(document["flags"]) == {"public"}
    assert document["segments"] == {}
    assert hidden["flags"] == {} and hidden["segments"] == {}
    assert uses_segment["flags"]["public"]["rules"][0]["id"] == "staff"
    assert set(uses_segment["segments"]) == {"staff"}
    assert hidden_now["flags"] == {"public": None}
    assert hidden_now["segments"] == {"staff": None}


def test_stream__auth__401_403_and_422(live: LiveServer) -> None:
    cases = [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer prm_0000000000000000_nope"}, 401, "unauthorized"),
        ({"Authorization": f"Bearer {live.token('deploy', environment=None)}"}, 403, "forbidden"),
    ]
    token = live.token("sdk-server")
    with httpx.Client(base_url=live.url, timeout=5) as client:
        for headers, status, code in cases:
            response = client.get("/api/v1/sdk/stream", headers=headers)
            assert (response.status_code, response.json()["error"]["code"]) == (status, code)
        other = client.get(
            "/api/v1/sdk/stream?environment=staging", headers={"Authorization": f"Bearer {token}"}
        )
        admin = client.get(
            "/api/v1/sdk/stream", headers={"Authorization": f"Bearer {live.admin_token}"}
        )
        missing = client.get(
            "/api/v1/sdk/stream?project=demo&environment=nowhere",
            headers={"Authorization": f"Bearer {live.admin_token}"},
        )
    assert other.status_code == 403
    assert admin.status_code == 422
    assert missing.status_code == 404


def test_stream__admin_token_names_the_environment__document(live: LiveServer) -> None:
    with (
        httpx.Client(base_url=live.url, timeout=5) as client,
        client.stream(
            "GET",
            "/api/v1/sdk/stream?project=demo&environment=staging",
            headers={"Authorization": f"Bearer {live.admin_token}"},
        ) as response,
    ):
        from .live import EventReader

        _, document = EventReader(response).next_json("document")
    assert document["environment"] == "staging"


def test_stream__several_streams__each_gets_the_same_patch(live: LiveServer) -> None:
    token = live.token("sdk-server")
    with open_stream(live, token) as one, open_stream(live, token) as two:
        one.next_json("document")
        two.next_json("document")
        turn_on(live, "public")
        assert one.next_json("patch") == two.next_json("patch")


def test_broadcaster__subscriber_stops_reading__disconnected_others_served(store: Store) -> None:
    flag_service_setup(store)

    async def scenario() -> tuple[bool, bool, int]:
        broadcaster = ChangeBroadcaster(store, BroadcastSettings(queue_size=2, poll_seconds=0.05))
        async with broadcaster.running():
            slow, _ = await broadcaster.subscribe(
                "demo", "production", client_only=False, last_version=None
            )
            fast, _ = await broadcaster.subscribe(
                "demo", "production", client_only=False, last_version=None
            )
            received = 0
            for on in (True, False, True, False):
                await asyncio.to_thread(toggle, store, on)
                frame = await asyncio.wait_for(fast.queue.get(), 5)
                received += frame.startswith(b"event: patch")
            return slow.closed, fast.closed, received

    slow_closed, fast_closed, received = asyncio.run(scenario())
    assert (slow_closed, fast_closed, received) == (True, False, 4)


def flag_service_setup(store: Store) -> None:
    from premiere.services import environments, projects

    projects.create_project(store, SYSTEM, {"key": "demo", "name": "Demo"})
    environments.create_environment(store, SYSTEM, "demo", {"key": "production"})
    flag_service.create_flag(store, SYSTEM, "demo", {"key": "f"})


def toggle(store: Store, on: bool) -> None:
    version = flag_service.get_flag_config(store, "demo", "f", "production")["version"]
    flag_service.update_flag_config(
        store, SYSTEM, "demo", "f", "production", {"on": on}, version, partial=True
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_stream__change_committed_on_another_replica__reaches_the_stream(
    live: LiveServer, database_url: str
) -> None:
    token = live.token("sdk-server")
    replica_store = Store.open(database_url)
    try:
        with (
            serve(replica_store, admin_token=live.admin_token) as replica,
            open_stream(live, token) as events,
        ):
            version, _ = events.next_json("document")
            turn_on(replica, "server-only")
            patch_id, patch = events.next_json("patch")
    finally:
        replica_store.close()
    assert patch_id == version + 1
    assert patch["flags"]["server-only"]["on"] is True


def test_streaming_md__defaults_and_frames__as_the_code_has_them() -> None:
    from pathlib import Path

    from premiere.api.sdk.sse import HEARTBEAT, frame

    doc = (Path(__file__).resolve().parents[2] / "docs" / "streaming.md").read_text()
    defaults = BroadcastSettings()

    assert f"every {defaults.heartbeat_seconds:g} seconds" in doc
    assert f"{defaults.queue_size} events behind" in doc
    assert f"every {defaults.poll_seconds:g} seconds" in doc
    assert f"every {defaults.fallback_poll_seconds:g} seconds" in doc
    assert HEARTBEAT.decode().strip() in doc
    assert frame("patch", 58, {"version": 58}).decode().startswith("event: patch\nid: 58\ndata: ")
    for path in (
        "GET /api/v1/sdk/stream",
        "POST /api/v1/sdk/events",
        "GET /api/v1/projects/{project}/environments/{environment}/events",
    ):
        assert path in doc


def test_streaming_md__where_the_code_is__names_modules_that_exist() -> None:
    import importlib.util
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "streaming.md").read_text()
    section = doc.split("### Where the code is", 1)[1].split("\n## ", 1)[0]
    modules = set(re.findall(r"`(premiere(?:\.\w+)+)`", section))
    files = set(re.findall(r"`(\w+/\w+\.py)`", section))
    api_files = set(re.findall(r"`(\w+\.py)`", section))

    assert {"premiere.services.sdk.patches", "premiere.api.sdk"} <= modules
    assert all(importlib.util.find_spec(name) for name in modules), modules
    assert files and all((root / "src" / "premiere" / f).is_file() for f in files), files
    assert all((root / "src" / "premiere" / "api" / "sdk" / f).is_file() for f in api_files)


def test_stream__premiere_sdk_client__change_arrives_through_the_stream(live: LiveServer) -> None:
    import time

    from premiere.sdk import Client, Config

    token = live.token("sdk-server")
    config = Config(sdk_key=token, base_url=live.url, poll_interval=300.0, start_wait=5.0)
    with Client(config) as client:
        assert client.bool_variation("public", {"key": "u1"}, True) is False
        turn_on(live, "public")
        deadline = time.monotonic() + 5
        while not client.bool_variation("public", {"key": "u1"}, False):
            assert time.monotonic() < deadline, "the change did not arrive through the stream"
            time.sleep(0.02)
