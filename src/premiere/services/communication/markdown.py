"""Release notes' Markdown as safe HTML: CommonMark without raw HTML, then sanitised
(``nh3``) so that only harmless tags and attributes remain — no script, iframe, event
handler or ``javascript:`` URL survives, and no input fails: what is not Markdown is
text."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})
_TAGS = {
    "p",
    "a",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "br",
}


def render_markdown(text: str) -> str:
    """Safe HTML of ``text``; a heading of level 1 becomes level 2 (a page has its h1)."""
    html = _MARKDOWN.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
