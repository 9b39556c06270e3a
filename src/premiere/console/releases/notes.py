"""Release notes for the console's pages: their Markdown, by the one renderer of
``services/communication/markdown.py`` (marked safe for Jinja), and what a note's state
waits for, from the release's announcement point as ``services/communication/exposure``
computes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from premiere.services.communication.exposure import announce_of, announcement_stage
from premiere.services.communication.markdown import render_markdown as render_html


def render_markdown(text: str) -> Markup:
    """Safe HTML of ``text`` (sanitised by the service), for a template."""
    return Markup(render_html(text))


def publication(release: Mapping[str, Any], note: Mapping[str, Any]) -> str:
    """The note's state in a sentence, and what moves it next."""
    state, manual = note["state"], note.get("manual")
    if state == "rolled_back":
        return (
            "Withdrawn: the release was rolled back. If it starts again, the note "
            f"publishes when it {announcement_point(release)}."
        )
    if manual == "published":
        return "Published by hand (Publish now); public until the release rolls back."
    if manual == "unpublished":
        return (
            "Withdrawn by hand (Unpublish): the release's progress no longer publishes it; "
            "Publish now does."
        )
    if state == "published":
        return "Published: the release reached its announcement point. Withdrawn if it rolls back."
    waiting = f"Publishes when the release {announcement_point(release)}."
    if state == "draft":
        waiting += " The release is a draft: it is scheduled or started on its page."
    return waiting


def announcement_point(release: Mapping[str, Any]) -> str:
    """``reaches its first public stage (stage 2, 5 %)``, ``reaches 25 % of everyone
    (stage 3, 25 %)``, ``is released (100 %)``."""
    announce = announce_of(release)
    index = announcement_stage(release)
    if index is None:
        if announce["at"] == "released":
            return "is released (100 %)"
        return "is released (100 %): no stage of its plan reaches its announcement point"
    percent = float(release["plan"]["stages"][index].get("percent") or 0)
    where = f"(stage {index + 1}, {percent:g} %)"
    if announce["at"] == "percent":
        return f"reaches {float(announce['percent']):g} % of everyone {where}"
    return f"reaches its first public stage {where}"
