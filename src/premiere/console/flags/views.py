"""What a flag's page shows, read from the services the API uses: the flag and its
variations, one environment's configuration, the releases that name the flag, where
its code runs, its history as before/after diffs, and the evaluate-as panel."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from premiere.console.flags.evaluate import evaluation_panel
from premiere.console.pages import frame
from premiere.errors import NotFoundError
from premiere.services.audit import list_audit_events
from premiere.services.deployments.darkcode import list_flag_deployments
from premiere.services.environments import list_environments
from premiere.services.flags.definitions import get_flag
from premiere.services.releases.locks import LOCKING
from premiere.services.releases.records import list_releases
from premiere.store import Store

HISTORY = 20
UNFINISHED = ("draft", "scheduled", "ready", "rolling_out", "paused")
HIDDEN_IN_DIFF = ("version", "updated_at", "created_at")


def build_flag_page(
    store: Store,
    project: str,
    key: str,
    environment: str | None,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The page of flag ``key`` in ``environment`` (None: the first); ``query`` (the
    evaluate-as panel's fields, see :mod:`.evaluate`) may ask for an evaluation there."""
    flag = get_flag(store, project, key)
    environments = [env["key"] for env in list_environments(store, project)]
    selected = environment or (environments[0] if environments else "")
    if environments and selected not in environments:
        raise NotFoundError("environment", selected)
    config = flag["environments"].get(selected)
    releases = [
        _release(release)
        for release in list_releases(store, project)
        if release["state"] in UNFINISHED
        and any(feature.get("flag") == key for feature in release["features"])
    ]
    locked_by = next(
        (r for r in releases if r["environment"] == selected and r["state"] in LOCKING), None
    )
    return {
        **frame(store, project, "flags"),
        "flag": flag,
        "variations": variation_options(flag["variations"]),
        "choices": [(v["index"], _label(v)) for v in variation_options(flag["variations"])],
        "prerequisite_values": _prerequisite_values(store, project, config),
        "environments": environments,
        "environment": selected,
        "config": config,
        "fallthrough": _fallthrough(config, len(flag["variations"])),
        "releases": releases,
        "locked_by": locked_by,
        "where": list_flag_deployments(store, project, key)["environments"],
        "history": [_event(event) for event in _history(store, project, key)],
        "evaluation": evaluation_panel(store, project, selected, key, query, _rules(config)),
    }


def _rules(config: Mapping[str, Any] | None) -> list[Any]:
    return list((config or {}).get("rules") or [])


def variation_options(variations: list[Any]) -> list[dict[str, Any]]:
    """Each variation: its index (what forms send), its value shown as JSON, its name."""
    return [
        {"index": index, "value": shown(item.get("value")), "name": item.get("name") or ""}
        for index, item in enumerate(variations)
    ]


def _label(variation: Mapping[str, Any]) -> str:
    name = variation["name"]
    return str(variation["value"]) + (f" ({name})" if name else "")


def _prerequisite_values(
    store: Store, project: str, config: Mapping[str, Any] | None
) -> dict[str, dict[int, str]]:
    """Each prerequisite flag's values by variation index, to show values, not indexes."""
    found: dict[str, dict[int, str]] = {}
    for prerequisite in (config or {}).get("prerequisites") or []:
        try:
            other = get_flag(store, project, prerequisite["key"])
        except NotFoundError:
            continue
        found[prerequisite["key"]] = {
            v["index"]: v["value"] for v in variation_options(other["variations"])
        }
    return found


def shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _fallthrough(config: Mapping[str, Any] | None, count: int) -> dict[str, Any]:
    serve = (config or {}).get("fallthrough") or {}
    if "rollout" in serve:
        weights = {w["variation"]: w["weight"] / 1000 for w in serve["rollout"]["variations"]}
        return {"mode": "rollout", "variation": None, "weights": weights}
    return {"mode": "variation", "variation": serve.get("variation"), "weights": {}}


def _release(release: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": release["key"],
        "name": release["name"],
        "state": release["state"],
        "environment": release["environment"],
    }


def _history(store: Store, project: str, key: str) -> list[dict[str, Any]]:
    page = list_audit_events(
        store, project=project, resource_type="flag", resource_key=key, limit=HISTORY
    )
    return [dict(item) for item in page["items"]]


def _event(event: Mapping[str, Any]) -> dict[str, Any]:
    """An audit event with the top-level fields its change touched, before and after."""
    before = event.get("before") or {}
    after = event.get("after") or {}
    names = [n for n in dict.fromkeys([*before, *after]) if n not in HIDDEN_IN_DIFF]
    changes = [
        {
            "field": name,
            "before": shown(before[name]) if name in before else None,
            "after": shown(after[name]) if name in after else None,
        }
        for name in names
        if before.get(name) != after.get(name) or (name in before) != (name in after)
    ]
    return {**event, "changes": changes}
