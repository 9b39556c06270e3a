"""A note entry's fields, checked and normalised; each refusal names the field and
the rule it broke. Which segments and flags exist is checked against the project."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services.validation import KEY_PATTERN, Validator
from premiere.store.models import Flag, Project, Segment

CATEGORIES = ("new", "improved", "fixed", "deprecated", "security")
NOTE_FIELDS = (
    "title",
    "body",
    "category",
    "audience",
    "features",
    "links",
    "image_url",
    "internal",
)
TITLE_MAX = 200
BODY_MAX = 100_000
INTERNAL_MAX = 20_000
URL_MAX = 2000
LINKS_MAX = 20
_UNSAFE_URL = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


def normalize_note(
    validator: Validator, data: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """The note fields given in ``data``, checked (``title`` required when ``creating``)."""
    validator.allowed(NOTE_FIELDS)
    if creating:
        validator.required("title")
    validator.text("title", max_length=TITLE_MAX, empty=False)
    validator.text("body", max_length=BODY_MAX)
    validator.text("internal", max_length=INTERNAL_MAX)
    values: dict[str, Any] = {f: data[f] for f in ("title", "body", "internal") if f in data}
    if "category" in data:
        if data["category"] not in CATEGORIES:
            validator.add("category", "enum", "must be one of " + ", ".join(CATEGORIES))
        values["category"] = data["category"]
    if "audience" in data:
        values["audience"] = _audience(validator, data["audience"])
    if "features" in data:
        values["features"] = _features(validator, data["features"])
    if "links" in data:
        values["links"] = _links(validator, data["links"])
    if "image_url" in data:
        image = data["image_url"]
        if image is not None:
            check_url(validator, "image_url", image)
        values["image_url"] = image
    return values


def check_references(
    session: Session, validator: Validator, project: Project, values: Mapping[str, Any]
) -> None:
    """The audience is a segment of the project; the features are its flags."""
    audience = values.get("audience")
    if isinstance(audience, str) and audience != "everyone":
        found = session.scalar(
            select(Segment.id).where(Segment.project_id == project.id, Segment.key == audience)
        )
        if found is None:
            validator.add("audience", "unknown_segment", f"segment {audience!r} does not exist")
    features = values.get("features")
    if isinstance(features, list) and features:
        known = set(
            session.scalars(
                select(Flag.key).where(Flag.project_id == project.id, Flag.key.in_(features))
            )
        )
        for index, key in enumerate(features):
            if key not in known:
                validator.add(f"features[{index}]", "unknown_flag", f"flag {key!r} does not exist")


def check_url(validator: Validator, field: str, value: Any) -> None:
    """An absolute http(s) URL with a host and no credentials."""
    if not isinstance(value, str):
        validator.add(field, "type", "must be a string")
        return
    message = "must be an http:// or https:// URL with a host and no user name or password"
    if len(value) > URL_MAX or _UNSAFE_URL.search(value):
        validator.add(field, "url", message)
        return
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        validator.add(field, "url", message)
        return
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or "@" in parts.netloc
        or not port_ok
    ):
        validator.add(field, "url", message)


def _audience(validator: Validator, value: Any) -> str | None:
    """``everyone`` (stored as null) or a segment key."""
    if value is None or value == "everyone":
        return None
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        validator.add("audience", "key_pattern", "must be everyone or a segment key")
        return None
    return value


def _features(validator: Validator, value: Any) -> list[str] | None:
    """Flag keys; null: the release's features."""
    if value is None:
        return None
    if not isinstance(value, list):
        validator.add("features", "type", "must be a list of flag keys or null")
        return None
    for index, key in enumerate(value):
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            validator.add(f"features[{index}]", "key_pattern", "must be a flag key")
    if len(set(map(str, value))) != len(value):
        validator.add("features", "duplicate", "must not list a flag twice")
    return [str(key) for key in value]


def _links(validator: Validator, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > LINKS_MAX:
        validator.add("links", "type", f"must be a list of at most {LINKS_MAX} links")
        return []
    links = []
    for index, item in enumerate(value):
        field = f"links[{index}]"
        if not isinstance(item, Mapping) or set(item) - {"label", "url"}:
            validator.add(field, "type", "must be an object with label and url")
            continue
        label = item.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > TITLE_MAX:
            validator.add(f"{field}.label", "non_empty", f"must be 1..{TITLE_MAX} characters")
        check_url(validator, f"{field}.url", item.get("url"))
        links.append({"label": str(label), "url": str(item.get("url"))})
    return links
