"""What the changelog tests share: a project ``demo`` whose notes are of every kind
the changelog must and must not show, the app with the console over it, and checks
that HTML is inert."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from premiere.api import create_app
from premiere.console import install_console
from premiere.services.communication import changelog
from premiere.services.communication import entries as notes
from premiere.services.releases import records as releases
from premiere.services.releases import rollout
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.communication import NoteEntry
from tests.api.support import SyncClient, running
from tests.releases.conftest import CREATOR, deploy, release_data

XSS_TITLES = (
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<img src=x onerror=alert(1)>",
)
XSS_BODY = "\n\n".join(
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)" onclick="steal()">x</a>',
        "![pic](javascript:alert(1))",
        "<iframe src=https://evil.example></iframe>",
        "text <img src=x onerror=alert(1)> after",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ]
)
SECRET = "SECRET-INTERNAL-NOTE"


@dataclass
class Notes:
    """The ids of ``demo``'s notes by what they are."""

    public: list[int]
    hidden: dict[str, int]


def seed_notes(store: Store, release: dict[str, Any]) -> Notes:
    """On ``new-checkout``: public notes (one plain, one per XSS title, the last with
    a ``javascript:`` link written past the service's check) and notes the changelog
    must not show: a draft, one for a segment, one of a category it does not show.
    On a second release that rolled back: a note once published."""
    key = release["key"]
    public = [_published(store, key, {"title": "A faster checkout", "internal": SECRET})]
    for title in XSS_TITLES:
        data = {"title": title, "body": XSS_BODY, "category": "improved"}
        data["links"] = [{"label": "<b>docs</b>", "url": "https://docs.example.com/guide?a=1&b=2"}]
        public.append(_published(store, key, data))
    _poison_links(store, public[-1])
    hidden = {
        "draft": notes.create_note(store, CREATOR, "demo", key, {"title": "Draft"})["id"],
        "segment": _published(store, key, {"title": "Staff only", "audience": "staff"}),
        "security": _published(store, key, {"title": "Hidden category", "category": "security"}),
        "rolled_back": _rolled_back_note(store),
    }
    return Notes(public, hidden)


def turn_on(store: Store, categories: list[str] | None = None) -> dict[str, Any]:
    version = changelog.get_changelog_settings(store, "demo")["version"]
    data: dict[str, Any] = {"enabled": True}
    if categories is not None:
        data["categories"] = categories
    return dict(changelog.update_changelog_settings(store, CREATOR, "demo", data, version))


def _published(store: Store, release: str, data: dict[str, Any]) -> int:
    note = notes.create_note(store, CREATOR, "demo", release, data)
    return int(notes.publish_note(store, CREATOR, "demo", release, note["id"])["id"])


def _poison_links(store: Store, note_id: int) -> None:
    with store.write() as session:
        row = session.get(NoteEntry, note_id)
        assert row is not None
        row.links = [*row.links, {"label": "click", "url": "javascript:alert(1)"}]


def _rolled_back_note(store: Store) -> int:
    deploy(store, version="2.1.0", features=["checkout", "banner"])
    data = release_data(key="banner", name="Banner", features=[{"flag": "banner", "variation": 0}])
    releases.create_release(store, CREATOR, "demo", data)
    note = _published(store, "banner", {"title": "Withdrawn"})
    for action in (releases.schedule_release, rollout.start_release, rollout.rollback_release):
        version = releases.get_release(store, "demo", "banner")["version"]
        action(store, CREATOR, "demo", "banner", {}, version)
    assert notes.get_note(store, "demo", "banner", note)["state"] == "rolled_back"
    return note


def site(store: Store) -> Iterator[SyncClient]:
    settings = Settings(database_url="unused://")
    with running(install_console(create_app(settings, store), settings)) as client:
        yield client


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(html: str, *, own_scripts: bool = False) -> None:
    """No script (but, with ``own_scripts``, the console's own files), no event
    handler attribute, no ``javascript:`` or ``data:`` URL, no frame."""
    parser = _Markup()
    parser.feed(html)
    for tag, attrs in parser.tags:
        values = dict(attrs)
        if tag == "script":
            assert own_scripts and str(values.get("src", "")).startswith("/static/"), values
        assert tag not in ("iframe", "object", "embed", "svg"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            scheme = (value or "").strip().lower()
            assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (tag, name)
