"""Flags, their per-environment configuration, archive/restore, evaluation."""

from __future__ import annotations

from typing import Any

from .support import Api

FLAGS = "/api/v1/projects/demo/flags"


def _config(api: Api, flag: str, env: str) -> dict[str, Any]:
    return dict(api.ok(api.get(f"{FLAGS}/{flag}/environments/{env}")))


def test_flag__create_boolean__off_everywhere_with_defaults(demo: Api) -> None:
    flag = demo.flag("demo", "new-checkout", name="New checkout", tags=["checkout"])
    assert flag["kind"] == "boolean"
    assert [v["value"] for v in flag["variations"]] == [True, False]
    assert flag["archived"] is False
    assert flag["tags"] == ["checkout"]
    assert set(flag["environments"]) == {"development", "staging", "production"}
    for config in flag["environments"].values():
        assert config["on"] is False
        assert config["off_variation"] == 1
        assert config["fallthrough"] == {"variation": 0}


def test_flag__create_string_kind__variations_kept(demo: Api) -> None:
    flag = demo.flag(
        "demo",
        "banner",
        kind="string",
        variations=[{"value": "red", "name": "Red"}, {"value": "blue"}],
        off_variation=0,
    )
    assert [v["value"] for v in flag["variations"]] == ["red", "blue"]
    assert flag["environments"]["production"]["off_variation"] == 0


def test_flags__list_with_filters__archived_tag_and_text(demo: Api) -> None:
    demo.flag("demo", "a-flag", tags=["x"])
    demo.flag("demo", "b-flag", name="Beta checkout")
    gone = demo.flag("demo", "c-flag")
    demo.ok(demo.post(f"{FLAGS}/c-flag/archive", {"version": gone["version"]}))

    def keys(query: str = "") -> list[str]:
        return [f["key"] for f in demo.ok(demo.get(f"{FLAGS}{query}"))]

    assert keys() == ["a-flag", "b-flag"]
    assert keys("?archived=true") == ["a-flag", "b-flag", "c-flag"]
    assert keys("?tag=x") == ["a-flag"]
    assert keys("?q=checkout") == ["b-flag"]


def test_flag__patch_metadata__new_version_and_etag(demo: Api) -> None:
    demo.flag("demo", "f")
    response = demo.patch(f"{FLAGS}/f", {"name": "F", "client_visible": True, "version": 1})
    flag = demo.ok(response)
    assert flag["name"] == "F"
    assert flag["client_visible"] is True
    assert response.headers["etag"] == f'"{flag["version"]}"'
    assert demo.get(f"{FLAGS}/f").headers["etag"] == f'"{flag["version"]}"'


def test_flag__archive_then_restore__toggles_archived(demo: Api) -> None:
    flag = demo.flag("demo", "f")
    archived = demo.ok(demo.post(f"{FLAGS}/f/archive", headers={"If-Match": str(flag["version"])}))
    assert archived["archived"] is True
    restored = demo.ok(demo.post(f"{FLAGS}/f/restore", {"version": archived["version"]}))
    assert restored["archived"] is False


def test_flag_config__put_full__replaces_and_get_returns_it(demo: Api) -> None:
    demo.flag("demo", "f")
    before = _config(demo, "f", "production")
    body = {
        "on": True,
        "off_variation": 1,
        "targets": [{"variation": 0, "values": ["user-1"]}],
        "rules": [
            {
                "id": "enterprise",
                "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
                "serve": {"variation": 0},
            }
        ],
        "fallthrough": {
            "rollout": {
                "variations": [
                    {"variation": 0, "weight": 25_000},
                    {"variation": 1, "weight": 75_000},
                ]
            }
        },
        "version": before["version"],
    }
    config = demo.ok(demo.put(f"{FLAGS}/f/environments/production", body))
    assert config["on"] is True
    assert config["flag"] == "f"
    assert config["environment"] == "production"
    assert config["version"] == before["version"] + 1
    assert config["rules"][0]["id"] == "enterprise"
    assert config["rules"][0]["clauses"][0]["negate"] is False
    assert config["fallthrough"]["rollout"]["bucket_by"] == "key"
    assert _config(demo, "f", "production") == config
    assert _config(demo, "f", "staging")["on"] is False


def test_flag_config__patch_on__only_on_changes(demo: Api) -> None:
    demo.flag("demo", "f")
    before = _config(demo, "f", "staging")
    path = f"{FLAGS}/f/environments/staging"
    after = demo.ok(
        demo.patch(path, {"on": True}, headers={"If-Match": f'W/"{before["version"]}"'})
    )
    assert after["on"] is True
    assert {k: v for k, v in after.items() if k not in {"on", "version", "updated_at"}} == {
        k: v for k, v in before.items() if k not in {"on", "version", "updated_at"}
    }


def test_evaluate__rule_matches__rule_match_reason(demo: Api) -> None:
    demo.flag("demo", "f")
    demo.ok(
        demo.put(
            f"{FLAGS}/f/environments/production",
            {
                "on": True,
                "rules": [
                    {
                        "id": "beta",
                        "clauses": [{"attribute": "beta", "op": "in", "values": [True]}],
                        "serve": {"variation": 0},
                    }
                ],
                "fallthrough": {"variation": 1},
                "off_variation": 1,
                "version": 1,
            },
        )
    )
    path = "/api/v1/projects/demo/environments/production/evaluate/f"
    hit = demo.ok(demo.post(path, {"context": {"key": "u1", "beta": True}}))
    assert hit["value"] is True
    assert hit["reason"]["kind"] == "RULE_MATCH"
    miss = demo.ok(demo.post(path, {"context": {"key": "u2"}}))
    assert miss["value"] is False
    assert miss["reason"]["kind"] == "FALLTHROUGH"


def test_evaluate__unknown_flag__404(demo: Api) -> None:
    path = "/api/v1/projects/demo/environments/production/evaluate/nope"
    assert demo.post(path, {"context": {"key": "u"}}).status_code == 404


def test_segment__create_get_put_delete__round_trips(demo: Api) -> None:
    base = "/api/v1/projects/demo/segments"
    created = demo.ok(
        demo.post(
            base,
            {
                "key": "staff",
                "name": "Staff",
                "included": ["u1"],
                "rules": [
                    {
                        "id": "email",
                        "clauses": [
                            {"attribute": "email", "op": "ends_with", "values": ["@example.com"]}
                        ],
                    }
                ],
            },
        ),
        201,
    )
    assert created["project"] == "demo"
    assert created["included"] == ["u1"]
    assert demo.ok(demo.get(f"{base}/staff")) == created
    assert [s["key"] for s in demo.ok(demo.get(base))] == ["staff"]

    replaced = demo.ok(demo.put(f"{base}/staff", {"excluded": ["u9"], "version": 1}))
    assert replaced["included"] == []
    assert replaced["excluded"] == ["u9"]
    assert replaced["rules"] == []
    assert replaced["name"] == "staff"  # PUT replaces: omitted fields take their defaults

    response = demo.delete(f"{base}/staff", headers={"If-Match": str(replaced["version"])})
    assert response.status_code == 204
    assert demo.get(f"{base}/staff").status_code == 404


def test_segment__delete_while_used__409(demo: Api) -> None:
    demo.ok(demo.post("/api/v1/projects/demo/segments", {"key": "staff"}), 201)
    demo.flag("demo", "f")
    demo.ok(
        demo.patch(
            f"{FLAGS}/f/environments/production",
            {
                "rules": [
                    {
                        "id": "staff",
                        "clauses": [{"op": "segment_match", "values": ["staff"]}],
                        "serve": {"variation": 0},
                    }
                ],
                "version": 1,
            },
        )
    )
    response = demo.delete("/api/v1/projects/demo/segments/staff", headers={"If-Match": "1"})
    assert response.status_code == 409, response.text
