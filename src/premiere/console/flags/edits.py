"""The edits of a flag's configuration in one environment, form to service input.

Each edit is a form carrying the configuration's ``version``; its builder reads the
form (and, for lists, the current configuration) and returns the fields to change,
which the page hands to ``update_flag_config`` (partial), as the API's PATCH does.
A stale version is the service's ``version_conflict``; nothing is changed then.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from premiere.console.flags.fields import integer, keys, percent, text
from premiere.errors import NotFoundError, ValidationError
from premiere.services.flags.definitions import get_flag

Config = Mapping[str, Any]
Builder = Callable[[Mapping[str, str], Config, list[Any], Callable[[str], Any]], dict[str, Any]]


def switch(form: Mapping[str, str], config: Config, *_: Any) -> dict[str, Any]:
    value = text(form, "on")
    if value not in ("true", "false"):
        raise ValidationError.single("on", "enum", "must be true or false")
    return {"on": value == "true"}


def add_targets(
    form: Mapping[str, str], config: Config, variations: list[Any], *_: Any
) -> dict[str, Any]:
    index = _variation(form, "target_variation", variations)
    added = keys(text(form, "target_keys"))
    targets = []
    for target in config.get("targets") or []:
        values = [v for v in target["values"] if v not in added]
        if target["variation"] == index:
            values += added
            added = []
        if values:
            targets.append({**target, "values": values})
    if added:
        targets.append({"variation": index, "values": added})
    return {"targets": targets}


def remove_target(form: Mapping[str, str], config: Config, *_: Any) -> dict[str, Any]:
    key = text(form, "target_key")
    targets = [
        {**target, "values": [v for v in target["values"] if v != key]}
        for target in config.get("targets") or []
    ]
    return {"targets": [target for target in targets if target["values"]]}


def fallthrough(
    form: Mapping[str, str], config: Config, variations: list[Any], *_: Any
) -> dict[str, Any]:
    mode = text(form, "fallthrough_mode")
    if mode == "variation":
        return {"fallthrough": {"variation": _variation(form, "fallthrough_variation", variations)}}
    if mode != "rollout":
        raise ValidationError.single("fallthrough_mode", "enum", "choose a variation or a rollout")
    weights = [
        {"variation": index, "weight": round(percent(form, f"weight_{index}") * 1000)}
        for index in range(len(variations))
    ]
    previous = (config.get("fallthrough") or {}).get("rollout") or {}
    rollout = {**previous, "bucket_by": previous.get("bucket_by", "key"), "variations": weights}
    return {"fallthrough": {"rollout": rollout}}


def off_variation(
    form: Mapping[str, str], config: Config, variations: list[Any], *_: Any
) -> dict[str, Any]:
    if not text(form, "off_variation", required=False):
        return {"off_variation": None}
    return {"off_variation": _variation(form, "off_variation", variations)}


def add_prerequisite(
    form: Mapping[str, str], config: Config, variations: list[Any], flag_of: Callable[[str], Any]
) -> dict[str, Any]:
    key = text(form, "prerequisite_flag")
    value = text(form, "prerequisite_value")
    try:
        other = flag_of(key)
    except NotFoundError:
        raise ValidationError.single(
            "prerequisite_flag", "unknown_flag", "no flag has this key"
        ) from None
    index = _index_of_value(other["variations"], value)
    if index is None:
        shown = ", ".join(json.dumps(v.get("value")) for v in other["variations"])
        message = f"is not a value of flag {key} (its values: {shown})"
        raise ValidationError.single("prerequisite_value", "enum", message)
    kept = [p for p in config.get("prerequisites") or [] if p["key"] != key]
    return {"prerequisites": [*kept, {"key": key, "variation": index}]}


def remove_prerequisite(form: Mapping[str, str], config: Config, *_: Any) -> dict[str, Any]:
    key = text(form, "prerequisite_flag")
    return {"prerequisites": [p for p in config.get("prerequisites") or [] if p["key"] != key]}


EDITS: dict[str, Builder] = {
    "switch": switch,
    "targets-add": add_targets,
    "targets-remove": remove_target,
    "fallthrough": fallthrough,
    "off-variation": off_variation,
    "prerequisites-add": add_prerequisite,
    "prerequisites-remove": remove_prerequisite,
}
"""Each edit's name (the last part of its form's address) and its builder."""

FIELDS = {
    "switch": ("on",),
    "targets-add": ("target_keys", "target_variation"),
    "targets-remove": ("target_key",),
    "fallthrough": ("fallthrough_mode", "fallthrough_variation"),
    "off-variation": ("off_variation",),
    "prerequisites-add": ("prerequisite_flag", "prerequisite_value"),
    "prerequisites-remove": ("prerequisite_flag",),
}
"""The form fields of each edit; the service's errors show beside the first."""


def flag_lookup(store: Any, project: str) -> Callable[[str], Any]:
    return lambda key: get_flag(store, project, key)


def _variation(form: Mapping[str, str], name: str, variations: list[Any]) -> int:
    index = integer(form, name)
    assert index is not None
    if not 0 <= index < len(variations):
        raise ValidationError.single(name, "index_range", "choose one of the flag's variations")
    return index


def _index_of_value(variations: list[Any], value: str) -> int | None:
    """The variation whose value is ``value`` (as JSON, or as a plain string)."""
    try:
        wanted = json.loads(value)
    except ValueError:
        wanted = value
    for index, item in enumerate(variations):
        if item.get("value") == wanted or (
            isinstance(item.get("value"), str) and item["value"] == value
        ):
            return index
    return None
