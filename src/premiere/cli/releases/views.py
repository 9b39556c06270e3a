"""Tables for releases, their readiness, approvals and history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from rich.text import Text

from premiere.cli.flags.syntax import variation_text
from premiere.cli.output import console, details, say, short_time, table, value_text
from premiere.cli.releases.spec import format_duration

FINAL_STATES = frozenset({"released", "rolled_back"})


def stage_label(stage: dict[str, Any] | None) -> str:
    """``staff`` / ``5%`` / ``100%`` for one stage of a rollout plan."""
    if not stage:
        return "-"
    if stage.get("segment"):
        return str(stage["segment"])
    percent = stage.get("percent")
    return f"{float(percent):g}%" if percent is not None else "-"


def stages_of(release: dict[str, Any]) -> list[dict[str, Any]]:
    plan = release.get("plan") or {}
    return [s for s in plan.get("stages") or [] if isinstance(s, dict)]


def progress(release: dict[str, Any]) -> str:
    """``2/5 (1%)`` once a stage is applied; ``-`` before."""
    stages = stages_of(release)
    index = release.get("stage")
    if not isinstance(index, int) or not stages:
        return "-"
    shown = stages[index] if 0 <= index < len(stages) else None
    return f"{index + 1}/{len(stages)} ({stage_label(shown)})"


def waits_for_advance(release: dict[str, Any]) -> bool:
    """Rolling out at a stage that advances ``manual``: only `releases advance` moves it
    on (its hold does not)."""
    stages, index = stages_of(release), release.get("stage")
    if release.get("state") != "rolling_out" or not isinstance(index, int):
        return False
    return 0 <= index < len(stages) and stages[index].get("advance") == "manual"


def next_stage_pair(release: dict[str, Any]) -> tuple[str, Any]:
    """When the next stage comes: at the end of the hold, or when someone advances."""
    if waits_for_advance(release):
        return ("next stage", f"when you run: premiere releases advance {release.get('key')}")
    return ("hold until", seconds_time(release.get("hold_until")))


Variations = Mapping[str, Sequence[Mapping[str, Any]]]
"""Each flag's variations, by flag key: what a release's features show as values."""
NO_VARIATIONS: Variations = MappingProxyType({})


def features_text(release: dict[str, Any], variations: Variations = NO_VARIATIONS) -> str:
    """``new-checkout -> true (api>=1.4.0)``: each flag and the value the release serves."""
    parts = []
    for feature in release.get("features") or []:
        if isinstance(feature, dict):
            versions = feature.get("min_versions") or {}
            needs = ", ".join(f"{s}>={v}" for s, v in versions.items())
            flag = str(feature.get("flag"))
            value = variation_text(variations.get(flag) or [], feature.get("variation"))
            parts.append(f"{flag} -> {value}" + (f" ({needs})" if needs else ""))
    return ", ".join(parts)


def approvals_text(release: dict[str, Any]) -> str | None:
    approvals = release.get("approvals") or {}
    required = approvals.get("required", release.get("required_approvals"))
    if not required:
        return None
    return f"{approvals.get('valid', 0)}/{required}"


def show_releases(
    title: str, releases: Iterable[dict[str, Any]], variations: Variations = NO_VARIATIONS
) -> None:
    rows = [
        (r.get("key"), r.get("name"), r.get("environment"), r.get("state"), progress(r),
         features_text(r, variations), approvals_text(r),
         short_time((r.get("schedule") or {}).get("start_at")),
         short_time(r.get("updated_at")))
        for r in releases
    ]  # fmt: skip
    columns = ["key", "name", "environment", "state", "stage", "features", "approvals",
               "start at", "updated"]  # fmt: skip
    table(title, columns, rows, optional=["name", "start at", "updated", "approvals"])


def show_release(release: dict[str, Any], variations: Variations = NO_VARIATIONS) -> None:
    notes = release.get("notes") or {}
    schedule = release.get("schedule") or {}
    audience = (release.get("audience") or {}).get("segment")
    transition = release.get("last_transition") or {}
    pairs = [
        ("name", release.get("name")),
        ("description", release.get("description")),
        ("environment", release.get("environment")),
        ("state", release.get("state")),
        ("stage", progress(release)),
        next_stage_pair(release),
        ("features", features_text(release, variations)),
        ("audience", audience or "everyone"),
        ("approvals", approvals_text(release)),
        ("start at", schedule.get("start_at")),
        ("timezone", schedule.get("timezone") if schedule.get("start_at") else None),
        ("train", schedule.get("train")),
        ("guards", guards_text(release)),
        ("notes", notes.get("title")),
        ("category", notes.get("category")),
        ("last change", _transition_text(transition)),
        ("started", short_time(release.get("started_at"))),
        ("finished", short_time(release.get("finished_at"))),
        ("created by", (release.get("created_by") or {}).get("name")),
        ("version", release.get("version")),
    ]
    shown = [(name, value) for name, value in pairs if value not in (None, "", "-")]
    details(f"Release {release.get('key')}", shown)
    show_stages(release)
    show_notes_body(release)


def show_notes_body(release: dict[str, Any]) -> None:
    """The release note's body (Markdown, shown as written) under its own heading."""
    body = (release.get("notes") or {}).get("body")
    if not body:
        return
    out = console()
    out.print(Text("Release notes", style="bold"))
    out.print(Text(body))


def show_stages(release: dict[str, Any]) -> None:
    stages = stages_of(release)
    if not stages:
        return
    current, state = release.get("stage"), release.get("state")
    rows = [
        (index + 1, stage_label(stage), format_duration(stage.get("hold_seconds")),
         stage.get("advance"), _stage_mark(index, current, state))
        for index, stage in enumerate(stages)
    ]  # fmt: skip
    table("Rollout plan", ["#", "audience", "hold", "advance", "progress"], rows)


def _stage_mark(index: int, current: Any, state: Any) -> str:
    if not isinstance(current, int):
        return ""
    if index < current or (index == current and state == "released"):
        return "done"
    return f"current ({state})" if index == current else ""


def _transition_text(transition: dict[str, Any]) -> str | None:
    if not transition:
        return None
    by = (transition.get("actor") or {}).get("name")
    reason = f": {transition['reason']}" if transition.get("reason") else ""
    at = seconds_time(transition.get("at"))
    return f"{transition.get('from')} -> {transition.get('to')} by {by} at {at}{reason}"


def missing_text(item: dict[str, Any]) -> str:
    """One thing a release still lacks, as a sentence."""
    if item.get("message"):
        return str(item["message"])
    kind, flag, service = item.get("kind"), item.get("flag"), item.get("service")
    needed, found = item.get("needed"), item.get("found")
    if kind == "deployment":
        where = f"flag {flag}" + (f" (service {service})" if service else "")
        return f"deployment: {where} needs {_text(needed)}; found {_deployment_text(found)}"
    if kind == "approvals":
        return f"approvals: {_text(needed)} needed, {_text(found)} valid"
    if kind == "freeze":
        return f"freeze window: {_text(found or needed)}"
    if kind == "checklist" and isinstance(needed, dict):
        due = f", due {needed['due_at'][:10]}" if needed.get("due_at") else ""
        return (
            f"checklist: {needed.get('title')} ({needed.get('item')}; owner {needed.get('owner')}"
            f"{due}) not done"
        )
    if kind == "state":
        return f"state: must be {_text(needed)}, is {_text(found)}"
    subject = f" {flag}" if flag else ""
    return f"{kind}{subject}: needs {_text(needed)}; found {_text(found)}"


def _deployment_text(found: Any) -> str:
    """A running deployment that does not count yet: which one, and why."""
    if not isinstance(found, dict) or "id" not in found:
        return _text(found)
    return (
        f"{found.get('service')} {found.get('version')} not verified (deployment {found['id']}, "
        f"status {found.get('status')}, verification {found.get('verification')})"
    )


def _text(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "none"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items())
    return value_text(value)


def show_readiness(readiness: dict[str, Any]) -> None:
    """Ready or not, and exactly what is missing."""
    key = readiness.get("release", "")
    if readiness.get("ready"):
        say(f"Release {key} is ready.")
        return
    say(f"Release {key} is not ready. Missing:")
    for item in readiness.get("missing") or []:
        if isinstance(item, dict):
            say(f"  - {missing_text(item)}")


def show_approvals(key: str, approvals: Iterable[dict[str, Any]]) -> None:
    rows = [
        ((a.get("approver") or {}).get("name"), short_time(a.get("at")), a.get("comment"),
         "void (release changed)" if a.get("void") else "valid")
        for a in approvals
    ]  # fmt: skip
    table(f"Approvals of {key}", ["by", "at (UTC)", "comment", "status"], rows)


def show_history(key: str, transitions: Iterable[dict[str, Any]]) -> None:
    rows = [
        (seconds_time(t.get("at")), t.get("from"), t.get("to"), _stage_number(t.get("stage")),
         (t.get("actor") or {}).get("name"), t.get("reason"))
        for t in transitions
    ]  # fmt: skip
    table(f"History of {key}", ["at (UTC)", "from", "to", "stage", "by", "reason"], rows)


def seconds_time(value: str | None) -> str | None:
    """``2026-11-26T12:21:02.674807Z`` -> ``2026-11-26 12:21:02`` (UTC)."""
    if not value or len(value) < 19 or value[10] != "T":
        return value
    return f"{value[:10]} {value[11:19]}"


def _stage_number(stage: Any) -> Any:
    return stage + 1 if isinstance(stage, int) else stage


def guards_text(release: dict[str, Any]) -> str | None:
    """``2``, or ``2 (guard 1 reads client events)`` when guards opted in to counts sent
    with sdk-client keys."""
    guards = release.get("guards") or []
    if not guards:
        return None
    opted = [str(i + 1) for i, guard in enumerate(guards) if guard.get("client_events")]
    if not opted:
        return str(len(guards))
    which = "guard" if len(opted) == 1 else "guards"
    verb = "reads" if len(opted) == 1 else "read"
    return f"{len(guards)} ({which} {', '.join(opted)} {verb} client events)"


def sources_text(details: dict[str, Any]) -> str | None:
    """Whose counts a guard decision read: ``server`` or ``server+client``."""
    sources = details.get("event_sources")
    if not sources:
        return None
    return "+".join(str(s).removeprefix("sdk-") for s in sources)


def show_guard_decisions(key: str, decisions: Iterable[dict[str, Any]]) -> None:
    rows = []
    for decision in decisions:
        details = decision.get("details") or {}
        reasons = details.get("reasons") or []
        rows.append((
            seconds_time(decision.get("at")), _stage_number(decision.get("stage")),
            _stage_number(details.get("guard")), details.get("flag"), decision.get("status"),
            details.get("verdict"), details.get("action"), sources_text(details),
            "; ".join(str(r) for r in reasons) or None,
        ))  # fmt: skip
    columns = ["at (UTC)", "stage", "guard", "flag", "status", "verdict", "action", "events",
               "reasons"]  # fmt: skip
    table(f"Guard decisions of {key}", columns, rows)
