"""Optimistic concurrency: If-Match or body version; 409 when stale, 428 when missing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from .support import Api

CONFIG = "/api/v1/projects/demo/flags/f/environments/production"


@pytest.fixture
def flagged(demo: Api) -> Api:
    demo.flag("demo", "f")
    return demo


@pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "1", ' "1" '])
def test_if_match__accepted_forms__update_applies(flagged: Api, if_match: str) -> None:
    response = flagged.patch(CONFIG, {"on": True}, headers={"If-Match": if_match})
    assert flagged.ok(response)["version"] == 2


def test_body_version__without_header__update_applies(flagged: Api) -> None:
    assert flagged.ok(flagged.patch(CONFIG, {"on": True, "version": 1}))["on"] is True


def test_update__no_version__428_version_required(flagged: Api) -> None:
    response = flagged.patch(CONFIG, {"on": True})
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "version_required"
    assert flagged.ok(flagged.get(CONFIG))["on"] is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/projects/demo", {"name": "x"}),
        ("/api/v1/projects/demo/environments/staging", {"name": "x"}),
        ("/api/v1/projects/demo/flags/f", {"name": "x"}),
    ],
)
def test_patch__no_version__428_on_every_resource(flagged: Api, path: str, body: Any) -> None:
    assert flagged.patch(path, body).status_code == 428


def test_update__stale_if_match__409_with_current_version(flagged: Api) -> None:
    flagged.ok(flagged.patch(CONFIG, {"on": True}, headers={"If-Match": '"1"'}))
    response = flagged.patch(CONFIG, {"on": False}, headers={"If-Match": '"1"'})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"]["current_version"] == 2
    assert flagged.ok(flagged.get(CONFIG))["on"] is True


def test_update__stale_body_version__409(flagged: Api) -> None:
    response = flagged.patch(CONFIG, {"on": True, "version": 7})
    assert response.status_code == 409
    assert response.json()["error"]["details"]["current_version"] == 1


@pytest.mark.parametrize("if_match", ["*", '"abc"', "W/", '"1', "1, 2", "-1"])
def test_if_match__unparseable__422_names_header(flagged: Api, if_match: str) -> None:
    response = flagged.patch(CONFIG, {"on": True}, headers={"If-Match": if_match})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"] == [
        {
            "field": "header.if-match",
            "rule": "version_format",
            "message": 'If-Match must name one version, as "3", W/"3" or 3',
        }
    ]


def test_if_match_and_body_version__disagree__422_version_mismatch(flagged: Api) -> None:
    response = flagged.patch(CONFIG, {"on": True, "version": 2}, headers={"If-Match": "1"})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["rule"] == "version_mismatch"


def test_get__any_resource__etag_is_quoted_version(flagged: Api) -> None:
    for path in (
        "/api/v1/projects/demo",
        "/api/v1/projects/demo/environments/staging",
        "/api/v1/projects/demo/flags/f",
        CONFIG,
    ):
        response = flagged.get(path)
        assert response.headers["etag"] == f'"{response.json()["version"]}"'


def test_concurrent_updates__same_version__one_wins_one_409_one_audit_event(
    flagged: Api,
) -> None:
    # Given two clients that both read version 1 of the production config
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def update(on: bool) -> None:
        barrier.wait()
        response = flagged.put(
            CONFIG, {"on": on, "fallthrough": {"variation": 0}, "off_variation": 1, "version": 1}
        )
        statuses.append(response.status_code)

    # When both send their update at the same moment
    threads = [threading.Thread(target=update, args=(on,)) for on in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one is applied, the other is told it is stale, and one event is audited
    assert sorted(statuses) == [200, 409]
    assert flagged.ok(flagged.get(CONFIG))["version"] == 2
    events = flagged.ok(
        flagged.get(
            "/api/v1/audit",
            params={"resource_key": "f", "action": "flag_config.updated"},
        )
    )["items"]
    assert len(events) == 1
    assert events[0]["environment"] == "production"
