"""Creating a release: ``/projects/<project>/releases/new``.

The form's fields are read into the API's body (features by the variation's value,
the plan from one line per stage) and handed to ``create_release``; its errors come
back beside the fields they name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import ReleaseManager, actor_of, store_of
from premiere.console.forms import submit_form
from premiere.console.pages import frame, page
from premiere.errors import NotFoundError, ValidationError, Violation
from premiere.services import Actor
from premiere.services.environments import list_environments
from premiere.services.flags.definitions import get_flag, list_flags
from premiere.services.flags.segments import list_segments
from premiere.services.releases.records import create_release
from premiere.services.releases.schedules import list_release_trains
from premiere.services.releases.spec import MAX_STAGES
from premiere.store import Store

router = APIRouter(include_in_schema=False)
FEATURE_ROWS = 3
PLAN_EXAMPLE = "segment staff hold PT1H\n5% hold PT1H\n25% hold P1D manual\n100%"

FIELD_NAMES: dict[str, str] = {
    "features": "feature_flag_0",
    "audience": "audience",
    "audience.segment": "audience",
    "schedule": "start_at",
    "schedule.start_at": "start_at",
    "schedule.timezone": "timezone",
    "schedule.train": "train",
    "notes": "notes_title",
    "notes.title": "notes_title",
    "notes.body": "notes_body",
    "notes.category": "notes_category",
    "plan.stages": "plan",
    "announce": "announce_at",
    "announce.at": "announce_at",
    "announce.percent": "announce_percent",
    **{f"features[{i}]": f"feature_flag_{i}" for i in range(FEATURE_ROWS)},
    **{f"features[{i}].flag": f"feature_flag_{i}" for i in range(FEATURE_ROWS)},
    **{f"features[{i}].variation": f"feature_value_{i}" for i in range(FEATURE_ROWS)},
    **{
        f"plan.stages[{i}]{part}": "plan"
        for i in range(MAX_STAGES)
        for part in ("", ".percent", ".segment", ".hold", ".hold_seconds", ".advance")
    },
}
"""The service's field names as this form's fields."""

ANNOUNCE_OPTIONS = [
    ("first_public", "At its first public stage (the first percentage of everyone)"),
    ("percent", "When a stage reaches a percentage of everyone"),
    ("released", "When it is released (100 %)"),
]
"""When the release's notes are published (the service's ``announce.at``)."""


@router.get("/projects/{project}/releases/new")
async def new_release_page(request: Request, project: str, session: ReleaseManager) -> Response:
    view = await run_in_threadpool(form_context, store_of(request), project)
    form = {"timezone": "UTC", "required_approvals": "1", "plan": "100%"}
    return page(request, "releases/new.html", {**view, "form": form, "errors": None})


@router.post("/projects/{project}/releases/new")
async def create_release_form(request: Request, project: str, session: ReleaseManager) -> Response:
    store = store_of(request)
    context = await run_in_threadpool(form_context, store, project)
    return await submit_form(
        request,
        session,
        lambda form: _create(store, actor_of(session), project, form),
        success=lambda release: f"/projects/{project}/releases/{release['key']}",
        template="releases/new.html",
        context=context,
        field_names=FIELD_NAMES,
    )


def form_context(store: Store, project: str) -> dict[str, Any]:
    """What the form offers: environments, flags and their values, segments, trains."""
    flags = [flag for flag in list_flags(store, project) if not flag["archived"]]
    return {
        **frame(store, project, "releases"),
        "environment_options": [(e["key"], e["key"]) for e in list_environments(store, project)],
        "flags": [
            {"key": f["key"], "choices": [variation_text(v) for v in _values(f["variations"])]}
            for f in flags
        ],
        "segment_options": [(s["key"], s["key"]) for s in list_segments(store, project)],
        "train_options": [(t["key"], t["name"]) for t in list_release_trains(store, project)],
        "feature_rows": range(FEATURE_ROWS),
        "plan_example": PLAN_EXAMPLE,
        "announce_options": ANNOUNCE_OPTIONS,
    }


def _create(store: Store, actor: Actor, project: str, form: Mapping[str, str]) -> Any:
    return create_release(store, actor, project, read_release_form(store, project, form))


def read_release_form(store: Store, project: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The API's body from the form; ``ValidationError`` naming the form's fields for
    what cannot be read at all (a value no variation has, a plan line, a number)."""
    problems: list[Violation] = []
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in ("key", "environment")}
    for name in ("name", "description"):
        if form.get(name, "").strip():
            data[name] = form[name].strip()
    data["features"] = _features(store, project, form, problems)
    segment = form.get("audience", "").strip()
    data["audience"] = {"segment": segment or None}
    data["plan"] = {"stages": read_plan(form.get("plan", ""), problems)}
    schedule: dict[str, Any] = {"timezone": form.get("timezone", "").strip() or "UTC"}
    if form.get("start_at", "").strip():
        schedule["start_at"] = form["start_at"].strip()
    if form.get("train", "").strip():
        schedule["train"] = form["train"].strip()
    data["schedule"] = schedule
    approvals = form.get("required_approvals", "").strip() or "0"
    if approvals.isdigit() and len(approvals) <= 3:
        data["required_approvals"] = int(approvals)
    else:
        problems.append(Violation("required_approvals", "integer", "must be a whole number 0..999"))
    if form.get("announce_at", "").strip():
        data["announce"] = read_announce(form, problems)
    if form.get("notes_title", "").strip() or form.get("notes_body", "").strip():
        data["notes"] = {
            "title": form.get("notes_title", "").strip(),
            "body": form.get("notes_body", ""),
            "category": form.get("notes_category", "new"),
        }
    if problems:
        raise ValidationError(problems)
    return data


def read_announce(form: Mapping[str, str], problems: list[Violation]) -> dict[str, Any]:
    """When the notes publish: ``first_public``, ``released``, or ``percent`` with the
    percentage (read only for ``percent``)."""
    at = form.get("announce_at", "").strip()
    if at != "percent":
        return {"at": at}
    text = form.get("announce_percent", "").strip().rstrip("%").strip()
    if not _is_number(text):
        problems.append(Violation("announce_percent", "type", "must be a percentage, e.g. 25"))
        return {"at": at}
    return {"at": at, "percent": _number(text)}


def read_plan(text: str, problems: list[Violation]) -> list[dict[str, Any]]:
    """One stage a line: ``5%`` or ``segment staff``, then ``hold <duration>`` (seconds
    or ISO 8601) and ``manual`` or ``auto``."""
    stages = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words:
            continue
        stage: dict[str, Any] = {}
        if words[0] == "segment" and len(words) > 1:
            stage["segment"], rest = words[1], words[2:]
        elif words[0].endswith("%") and _is_number(words[0][:-1]):
            stage["percent"], rest = _number(words[0][:-1]), words[1:]
        else:
            problems.append(
                Violation(
                    "plan",
                    "plan_syntax",
                    f"line {number}: start with a percentage (5%) or 'segment <key>'",
                )
            )
            continue
        while rest:
            word, rest = rest[0], rest[1:]
            if word in ("manual", "auto"):
                stage["advance"] = word
            elif word == "hold" and rest:
                hold, rest = rest[0], rest[1:]
                stage["hold"] = int(hold) if hold.isdigit() else hold
            else:
                problems.append(
                    Violation("plan", "plan_syntax", f"line {number}: unexpected {word!r}")
                )
                break
        stages.append(stage)
    return stages


def variation_text(value: Any) -> str:
    """A variation's value as typed in the form: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _features(
    store: Store, project: str, form: Mapping[str, str], problems: list[Violation]
) -> list[dict[str, Any]]:
    features = []
    for index in range(FEATURE_ROWS):
        key = form.get(f"feature_flag_{index}", "").strip()
        if not key:
            continue
        text = form.get(f"feature_value_{index}", "").strip()
        try:
            values = _values(get_flag(store, project, key)["variations"])
        except (NotFoundError, ValidationError):
            features.append({"flag": key, "variation": 0})  # the service names the flag
            continue
        texts = [variation_text(value) for value in values]
        if text not in texts:
            offered = ", ".join(texts)
            problems.append(
                Violation(
                    f"feature_value_{index}",
                    "unknown_variation",
                    f"flag {key!r} has no variation {text!r}; it has {offered}",
                )
            )
            continue
        features.append({"flag": key, "variation": texts.index(text)})
    return features


def _values(variations: list[Any]) -> list[Any]:
    return [v.get("value") if isinstance(v, Mapping) else v for v in variations]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return len(text) <= 12


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value
