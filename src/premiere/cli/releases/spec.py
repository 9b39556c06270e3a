"""A release definition from the command line: a JSON (or YAML) file, options, or both.

Options given on the command line override the file's fields. The small languages:

\b
  --flag KEY=VALUE     the variation the flag serves when the release reaches someone:
                       its value (true, blue, 3) or its name; #N is the variation at index N
  --stages LIST        the rollout plan, comma-separated: a segment key (staff) or a
                       percentage (5%, 5 or 12.5%) per stage, e.g. 'staff,1%,5%,25%,100%'
  --hold DURATION      how long each stage is held before the next: 90s, 10m, 1h30m, 2d
  --file               a stage there may write "hold": "10m" and "percent": "5%" too
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from premiere.cli.exits import BadUsage
from premiere.cli.flags.syntax import parse_percent, variation_index
from premiere.cli.output import value_text

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER = re.compile(r"^-?[\d.]+\s*%?$|^.*%$")
"""A stage that reads as a percentage (``5``, ``12.5%``; ``-5`` and ``x%`` to be refused)."""


def parse_duration(text: str) -> float:
    """``90`` / ``90s`` / ``10m`` / ``1h30m`` / ``2d`` / ``500ms`` -> seconds."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return float(raw)
    parts = _DURATION_PART.findall(raw)
    if not raw or "".join(n + u for n, u in parts) != raw:
        raise BadUsage(f"{text!r} is no duration; write e.g. 90s, 10m, 1h30m or 2d")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: float | None) -> str | None:
    """Seconds -> ``1h30m``, ``10m``, ``45s``, ``1.5s`` (None stays None)."""
    if seconds is None:
        return None
    if seconds < 60 and seconds != int(seconds):
        return f"{seconds:g}s"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(
        f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n
    )
    return text or "0s"


def parse_flag_value(text: str) -> tuple[str, str]:
    """``new-checkout=true`` -> ("new-checkout", "true"); a bare key means ``true``."""
    key, equals, value = text.partition("=")
    key = key.strip()
    if not key:
        raise BadUsage(f"--flag {text!r}: write KEY=VALUE, e.g. new-checkout=true")
    return key, value.strip() if equals else "true"


def variation_for(flag: Mapping[str, Any], ref: str, option: str = "--flag") -> int:
    """The index of the variation of ``flag`` whose value (or name) is ``ref``; ``#2`` is an
    index."""
    variations = [v for v in flag.get("variations") or [] if isinstance(v, Mapping)]
    return variation_index(variations, ref, f"{option} {flag.get('key')}=")


def parse_stages(text: str, hold: int | None, advance: str | None) -> list[dict[str, Any]]:
    """``staff,1%,100%`` -> [{"segment": "staff"}, {"percent": 1}, {"percent": 100}], each
    with the hold and the way it advances when given."""
    stages: list[dict[str, Any]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise BadUsage(f"--stages {text!r}: an empty stage; write e.g. 'staff,5%,100%'")
        if _NUMBER.match(item):
            value = parse_percent(item, "--stages", zero=False)
            stage: dict[str, Any] = {"percent": int(value) if value.is_integer() else value}
        else:
            stage = {"segment": item}
        extra = (("hold_seconds", hold), ("advance", advance))
        stages.append(stage | {k: v for k, v in extra if v is not None})
    return stages


def keep_pacing(stages: list[dict[str, Any]], current: list[Any]) -> list[dict[str, Any]]:
    """``stages`` with the hold and the advance mode of the ``current`` stage at the same
    position where they name none; stages added past the current plan's end take its last
    stage's. (A new list of stages never quietly turns slow, manual stages into instant ones.)
    """
    pacing = [s for s in current if isinstance(s, Mapping)]
    if not pacing:
        return stages
    kept: list[dict[str, Any]] = []
    for index, stage in enumerate(stages):
        matched = pacing[min(index, len(pacing) - 1)]
        inherited = {k: matched[k] for k in ("hold_seconds", "advance") if k in matched}
        kept.append(inherited | stage)
    return kept


def hold_seconds(text: str | None) -> int | None:
    """``--hold 10m`` -> 600 (whole seconds, rounded up)."""
    return None if text is None else math.ceil(parse_duration(text))


def load_file(path: Path) -> dict[str, Any]:
    """A release definition from a .json file (or .yaml/.yml when PyYAML is installed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadUsage(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        data = _load_yaml(path, text)
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BadUsage(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadUsage(f"{path} must hold one object (a release definition)")
    return data


def _load_yaml(path: Path, text: str) -> Any:
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise BadUsage(
            f"{path}: reading YAML needs PyYAML (pip install pyyaml); or write the file as JSON"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadUsage(f"{path} is not valid YAML: {exc}") from None


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with the non-None ``overrides``; nested objects are merged one level deep."""
    merged = dict(base)
    for key, value in overrides.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **{k: v for k, v in value.items() if v is not None}}
        else:
            merged[key] = value
    return merged


def definition(
    file_data: Mapping[str, Any], options: Mapping[str, Any], flag_of: FlagLookup
) -> dict[str, Any]:
    """The release body: the file's fields, overridden by the options that were given."""
    body = dict(file_data)
    features = _features(body, options, flag_of)
    if features or "features" in body:
        body["features"] = features
    stages = _stages(body, options)
    if stages:
        plan = body.get("plan") if isinstance(body.get("plan"), Mapping) else {}
        body["plan"] = {**(plan or {}), "stages": stages}
    notes = {"title": options.get("notes_title"), "body": options.get("notes_body"),
             "category": options.get("category")}  # fmt: skip
    schedule = {"start_at": options.get("start_at"), "timezone": options.get("timezone"),
                "train": options.get("train")}  # fmt: skip
    audience = {"segment": options["audience"]} if options.get("audience") else None
    return merge(body, {
        "key": options.get("key"), "name": options.get("name"),
        "description": options.get("description"), "environment": options.get("environment"),
        "required_approvals": options.get("approvals"), "audience": audience,
        "notes": _given(notes), "schedule": _given(schedule),
    })  # fmt: skip


def _features(
    body: Mapping[str, Any], options: Mapping[str, Any], flag_of: FlagLookup
) -> list[dict[str, Any]]:
    """The features from --flag (or the file), values turned into variation indexes."""
    features = [dict(f) for f in body.get("features") or [] if isinstance(f, Mapping)]
    if options.get("flags"):
        pairs = map(parse_flag_value, options["flags"])
        features = [{"flag": key, "value": ref} for key, ref in pairs]
    for feature in features:
        if "value" in feature and "variation" not in feature:
            value = feature.pop("value")
            ref = value if isinstance(value, str) else value_text(value)
            feature["variation"] = variation_for(flag_of(str(feature.get("flag"))), ref)
    for pair in options.get("min_versions") or ():
        service, _, version = pair.partition("=")
        if not service.strip() or not version.strip():
            raise BadUsage(f"--min-version {pair!r}: write SERVICE=VERSION, e.g. api=1.4.0")
        for feature in features:
            feature.setdefault("min_versions", {})[service.strip()] = version.strip()
    return features


def _stages(body: Mapping[str, Any], options: Mapping[str, Any]) -> list[Any]:
    """The rollout stages from --stages/--hold/--advance (or the file's plan)."""
    plan = body.get("plan") if isinstance(body.get("plan"), Mapping) else None
    stages = list((plan or {}).get("stages") or [])
    hold, advance = hold_seconds(options.get("hold")), options.get("advance")
    if options.get("stages"):
        return parse_stages(options["stages"], hold, advance)
    if not stages and (hold is not None or advance):
        raise BadUsage("--hold and --advance apply to stages: give --stages too")
    given = {k: v for k, v in (("hold_seconds", hold), ("advance", advance)) if v is not None}
    return [_hold_in_seconds(s) | given if isinstance(s, Mapping) else s for s in stages]


FlagLookup = Callable[[str], Mapping[str, Any]]


def _given(fields: dict[str, Any]) -> dict[str, Any] | None:
    given = {k: v for k, v in fields.items() if v is not None}
    return given or None


def _hold_in_seconds(stage: Mapping[str, Any]) -> dict[str, Any]:
    """A stage's ``"hold": "10m"`` as ``hold_seconds`` (ISO ``PT1H`` is left to the server),
    and its ``"percent": "5%"`` as a number."""
    result = dict(stage)
    percent = stage.get("percent")
    if isinstance(percent, str):
        value = parse_percent(percent, "a stage's percent", zero=False)
        result["percent"] = int(value) if value.is_integer() else value
    hold = stage.get("hold")
    if isinstance(hold, str) and not hold.upper().startswith("P"):
        del result["hold"]
        result["hold_seconds"] = math.ceil(parse_duration(hold))
    return result
