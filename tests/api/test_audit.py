"""The audit log over HTTP: filters, paging by cursor, admin only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .support import Api

AUDIT = "/api/v1/audit"


def test_audit__after_changes__newest_first_with_actor_and_before_after(demo: Api) -> None:
    demo.flag("demo", "f")
    demo.ok(demo.patch("/api/v1/projects/demo/flags/f", {"name": "F", "version": 1}))
    page = demo.ok(demo.get(AUDIT, params={"project": "demo", "resource_type": "flag"}))
    assert [e["action"] for e in page["items"]] == ["flag.updated", "flag.created"]
    latest = page["items"][0]
    assert latest["actor"]["kind"] == "token"
    assert latest["project"] == "demo"
    assert latest["resource_key"] == "f"
    assert latest["before"]["name"] != "F"
    assert latest["after"]["name"] == "F"
    assert page["next_cursor"] is None


def test_audit__filters__combine(demo: Api) -> None:
    demo.flag("demo", "a")
    demo.flag("demo", "b")
    demo.project("other")

    def actions(**params: str) -> list[str]:
        return [e["resource_key"] for e in demo.ok(demo.get(AUDIT, params=params))["items"]]

    assert actions(action="flag.created") == ["b", "a"]
    assert actions(action="flag.created", resource_key="a") == ["a"]
    assert actions(project="other") == ["other"]
    assert actions(action="project.created") == ["other", "demo"]
    assert actions(action="nothing.happened") == []


def test_audit__environment_filter__only_that_environments_events(demo: Api) -> None:
    demo.flag("demo", "f")
    config = demo.ok(demo.get("/api/v1/projects/demo/flags/f/environments/production"))
    body = {"on": True, "version": config["version"]}
    demo.ok(demo.patch("/api/v1/projects/demo/flags/f/environments/production", body))
    page = demo.ok(demo.get(AUDIT, params={"project": "demo", "environment": "production"}))
    assert page["items"]
    assert {e["environment"] for e in page["items"]} == {"production"}
    assert page["items"][0]["resource_key"] == "f"
    everything = demo.ok(demo.get(AUDIT, params={"project": "demo"}))["items"]
    assert len(everything) > len(page["items"])


def test_audit__cursor__pages_through_everything_once(demo: Api) -> None:
    for i in range(7):
        demo.flag("demo", f"f{i}")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"action": "flag.created", "limit": "3"}
        if cursor:
            params["cursor"] = cursor
        page = demo.ok(demo.get(AUDIT, params=params))
        seen += [e["resource_key"] for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"f{i}" for i in reversed(range(7))]


def test_audit__since_until__bound_the_window(demo: Api) -> None:
    demo.flag("demo", "f")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert demo.ok(demo.get(AUDIT, params={"since": future}))["items"] == []
    assert demo.ok(demo.get(AUDIT, params={"until": past}))["items"] == []
    assert demo.ok(demo.get(AUDIT, params={"since": past, "until": future}))["items"]


def test_audit__bad_query__422_names_query_field(demo: Api) -> None:
    for params, field in (
        ({"limit": "0"}, "query.limit"),
        ({"limit": "many"}, "query.limit"),
        ({"limit": "501"}, "query.limit"),
        ({"since": "yesterday"}, "query.since"),
    ):
        response = demo.get(AUDIT, params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["details"]["errors"][0]["field"] == field


def test_audit__garbage_cursor__422_not_500(demo: Api) -> None:
    response = demo.get(AUDIT, params={"cursor": "not-a-cursor!!"})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"] == [
        {
            "field": "query.cursor",
            "rule": "invalid_cursor",
            "message": "is not a cursor from this list",
        }
    ]
