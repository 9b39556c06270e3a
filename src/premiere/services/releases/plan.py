"""What a release stage means for one flag's configuration (pure functions).

A release manages rules whose ids start with ``release-<key>``, placed before the
flag's own rules:

1. ``release-<key>-v<i>``: one per service with a minimum version —
   ``premiere.service in [svc]`` and ``premiere.service_version semver_lt <min>``
   serve the previous variation, so instances still running older code never get
   the feature during a rolling deploy;
2. ``release-<key>-s<i>``: one per segment stage reached so far (segment_match ->
   released variation); earlier stages stay in;
3. ``release-<key>``: the highest percentage reached so far, a rollout
   ``[released w, previous 100000 - w]``. The released variation comes first, so
   raising ``w`` keeps every context that already had it (buckets below ``w``).

With an audience segment, each of these rules also requires ``segment_match
[audience]``. Completing the release (released) removes all release rules and
makes the released variation the fallthrough (with an audience: one rule serving
it to the audience stays, ``release-<key>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from premiere.services.mappers import CONFIG_FIELDS

WEIGHT_TOTAL = 100_000


def rule_prefix(release_key: str) -> str:
    return f"release-{release_key}"


def is_release_rule(rule: Mapping[str, Any], release_key: str) -> bool:
    rule_id = str(rule.get("id", ""))
    prefix = rule_prefix(release_key)
    return rule_id == prefix or rule_id.startswith(prefix + "-")


def without_release_rules(config: Mapping[str, Any], release_key: str) -> dict[str, Any]:
    """The configuration fields (no version) with this release's rules taken out."""
    fields = {field: config.get(field) for field in CONFIG_FIELDS}
    fields["rules"] = [r for r in config.get("rules") or [] if not is_release_rule(r, release_key)]
    return fields


def previous_variation(snapshot: Mapping[str, Any]) -> int | None:
    """The variation most contexts got before the release: the off-variation of a
    flag that was off; else the fallthrough's variation (a rollout's heaviest)."""
    if not snapshot.get("on"):
        off = snapshot.get("off_variation")
        return off if isinstance(off, int) else None
    serve = snapshot.get("fallthrough") or {}
    if isinstance(serve.get("variation"), int):
        return int(serve["variation"])
    entries = (serve.get("rollout") or {}).get("variations") or []
    if not entries:
        return None
    return int(max(entries, key=lambda entry: entry.get("weight", 0))["variation"])


def stage_config(
    snapshot: Mapping[str, Any],
    release_key: str,
    feature: Mapping[str, Any],
    audience: str | None,
    stages: list[Mapping[str, Any]],
    stage_index: int,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The flag's configuration fields with stages ``0..stage_index`` applied: on/off,
    off-variation and fallthrough from the snapshot; prerequisites, targets and the
    flag's own rules from ``current`` (the configuration now, when given), so edits
    made during the release stay."""
    previous = previous_variation(snapshot)
    released = int(feature["variation"])
    prefix = rule_prefix(release_key)
    base = audience_clauses(audience)
    rules: list[dict[str, Any]] = version_rules(prefix, feature, previous, base)
    percent = 0.0
    for index, stage in enumerate(stages[: stage_index + 1]):
        if stage.get("segment"):
            rules.append(
                {
                    "id": f"{prefix}-s{index}",
                    "description": f"release {release_key}: segment stage {index}",
                    "clauses": [*base, segment_clause(str(stage["segment"]))],
                    "serve": {"variation": released},
                }
            )
        elif stage.get("percent") is not None:
            percent = max(percent, float(stage["percent"]))
    if percent > 0:
        weight = round(percent * 1000)
        entries = [{"variation": released, "weight": weight}]
        if weight < WEIGHT_TOTAL and previous is not None and previous != released:
            entries.append({"variation": previous, "weight": WEIGHT_TOTAL - weight})
        elif weight < WEIGHT_TOTAL:
            entries[0]["weight"] = WEIGHT_TOTAL
        rules.append(
            {
                "id": prefix,
                "description": f"release {release_key}: {percent:g} %",
                "clauses": list(base),
                "serve": {"rollout": {"bucket_by": "key", "variations": entries}},
            }
        )
    return _with_rules(snapshot, current or snapshot, release_key, rules, previous)


def completed_config(
    snapshot: Mapping[str, Any],
    current: Mapping[str, Any],
    release_key: str,
    feature: Mapping[str, Any],
    audience: str | None,
) -> dict[str, Any]:
    """The configuration once the release is complete: the flag's own rules as they
    are now, the released variation as fallthrough (or for the audience)."""
    released = int(feature["variation"])
    fields = without_release_rules(current, release_key)
    fields["on"] = True
    if audience is None:
        fields["fallthrough"] = {"variation": released}
        return fields
    rule = {
        "id": rule_prefix(release_key),
        "description": f"release {release_key}: released to segment {audience}",
        "clauses": audience_clauses(audience),
        "serve": {"variation": released},
    }
    fields["rules"] = [rule, *fields["rules"]]
    if not snapshot.get("on"):
        previous = previous_variation(snapshot)
        if previous is not None:
            fields["fallthrough"] = {"variation": previous}
    return fields


def restored_config(
    snapshot: Mapping[str, Any], current: Mapping[str, Any], release_key: str
) -> dict[str, Any]:
    """Roll back: on/off, off-variation and fallthrough as they were before the
    release, and the flag's own targets and rules as they are now (edits made
    meanwhile stay). A flag that was off had its targets and rules left out during
    the release: they come back, with the targets and rules added meanwhile kept
    (after the snapshot's rules; a target added meanwhile wins over the snapshot's)."""
    fields = without_release_rules(current, release_key)
    for field in ("on", "off_variation", "fallthrough"):
        fields[field] = snapshot.get(field)
    if not snapshot.get("on"):
        own = fields["rules"]
        kept = {rule.get("id") for rule in own}
        hidden = [r for r in snapshot.get("rules") or [] if r.get("id") not in kept]
        fields["rules"] = [*hidden, *own]
        fields["targets"] = merged_targets(snapshot.get("targets") or [], current.get("targets"))
    return fields


def merged_targets(
    before: list[Mapping[str, Any]], added: list[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """The targets ``before`` with those ``added`` since; a context key added since
    keeps the variation it was added with. One target per variation, in first-seen order."""
    taken = {value for target in added or [] for value in target.get("values") or []}
    values: dict[int, list[Any]] = {}
    for target in before:
        kept = [v for v in target.get("values") or [] if v not in taken]
        values.setdefault(int(target["variation"]), []).extend(kept)
    for target in added or []:
        values.setdefault(int(target["variation"]), []).extend(target.get("values") or [])
    return [{"variation": v, "values": keys} for v, keys in values.items() if keys]


def version_rules(
    prefix: str, feature: Mapping[str, Any], previous: int | None, base: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if previous is None:
        return []
    rules = []
    for index, (service, minimum) in enumerate(sorted((feature.get("min_versions") or {}).items())):
        rules.append(
            {
                "id": f"{prefix}-v{index}",
                "description": f"{service} older than {minimum} keeps the previous variation",
                "clauses": [
                    *base,
                    {"attribute": "premiere.service", "op": "in", "values": [service]},
                    {
                        "attribute": "premiere.service_version",
                        "op": "semver_lt",
                        "values": [str(minimum).removeprefix("v")],
                    },
                ],
                "serve": {"variation": previous},
            }
        )
    return rules


def audience_clauses(audience: str | None) -> list[dict[str, Any]]:
    return [segment_clause(audience)] if audience else []


def segment_clause(segment: str) -> dict[str, Any]:
    return {"op": "segment_match", "values": [segment]}


def _with_rules(
    snapshot: Mapping[str, Any],
    current: Mapping[str, Any],
    release_key: str,
    rules: list[dict[str, Any]],
    previous: int | None,
) -> dict[str, Any]:
    fields = without_release_rules(snapshot, release_key)
    own = without_release_rules(current, release_key)
    fields["rules"] = [*rules, *own["rules"]]
    fields["targets"] = own["targets"] or []
    fields["prerequisites"] = own["prerequisites"]
    if not snapshot.get("on"):
        # A flag that was off is switched on; everyone outside the release keeps
        # what they had (the off-variation). Its targets and rules, which did not
        # apply while it was off, are left out (the snapshot keeps them; rolling
        # back restores them); those added during the release stay.
        fields["on"] = True
        fields["rules"] = [*rules, *_added_rules(snapshot, own["rules"])]
        fields["targets"] = _added_targets(snapshot, fields["targets"])
        if previous is not None:
            fields["fallthrough"] = {"variation": previous}
    return fields


def _added_rules(snapshot: Mapping[str, Any], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    hidden = {rule.get("id") for rule in snapshot.get("rules") or []}
    return [rule for rule in rules if rule.get("id") not in hidden]


def _added_targets(
    snapshot: Mapping[str, Any], targets: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    hidden = {value for target in snapshot.get("targets") or [] for value in target["values"]}
    kept = [
        {**target, "values": [v for v in target.get("values") or [] if v not in hidden]}
        for target in targets
    ]
    return [target for target in kept if target["values"]]
