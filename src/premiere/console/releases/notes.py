"""Release notes' Markdown for the console's pages: the one renderer of
``services/communication/markdown.py``, marked safe for Jinja."""

from __future__ import annotations

from markupsafe import Markup

from premiere.services.communication.markdown import render_markdown as render_html


def render_markdown(text: str) -> Markup:
    """Safe HTML of ``text`` (sanitised by the service), for a template."""
    return Markup(render_html(text))
