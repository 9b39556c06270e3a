"""/docs and /redoc: pages with no inline script whose assets all come from the package."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from premiere.api.app import API_DOCS

from .support import Api

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/docs", "/redoc"]
TYPES = {".js": "text/javascript", ".css": "text/css"}
on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pages: no data


class _Page(HTMLParser):
    """The URLs a page loads, and what would run as inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [values[name] or "" for name in ("src", "href") if name in values]
        self.inline += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data.strip())


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@on_sqlite
@pytest.mark.parametrize("path", PAGES)
def test_api_docs__page__has_no_inline_script_and_a_policy_that_forbids_it(
    api: Api, path: str
) -> None:
    response = api.client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    header = response.headers["content-security-policy"]
    policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    page = _parse(response.text)
    assert page.urls and not page.inline


@on_sqlite
@pytest.mark.parametrize("path", PAGES)
def test_api_docs__every_asset_of_the_page__is_served_from_the_package(api: Api, path: str) -> None:
    for url in _parse(api.client.get(path).text).urls:
        assert not re.match(r"(?i)([a-z]+:)?//", url), f"{path} loads {url} from elsewhere"
        served = api.client.get(f"/{url}")  # relative to /docs and /redoc: from the root
        assert served.status_code == 200, url
        if url != "openapi.json":
            file = API_DOCS / url.removeprefix("docs/assets/")
            assert served.content == file.read_bytes()
            assert served.headers["content-type"].startswith(TYPES[file.suffix])


@on_sqlite
def test_api_docs__pages__are_not_operations_of_the_openapi_document(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]

    assert not {"/docs", "/redoc"} & set(paths)


def test_api_docs__each_vendored_library__ships_its_licence() -> None:
    folders = [p for p in API_DOCS.iterdir() if p.is_dir()]

    assert {re.sub(r"-[\d.]+$", "", p.name) for p in folders} == {"swagger-ui", "redoc"}
    for folder in folders:
        assert (folder / "LICENSE").read_text(encoding="utf-8").strip(), folder.name


def test_api_docs__package_data__ships_every_file_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["premiere"]
    package = API_DOCS.parents[1]
    for file in (p for p in API_DOCS.rglob("*") if p.is_file()):
        relative = file.relative_to(package).as_posix()
        assert any(_glob_matches(relative, p) for p in patterns), relative


def _glob_matches(path: str, pattern: str) -> bool:
    """As setuptools reads package-data: ``*`` matches within one folder."""
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(map(fnmatch.fnmatchcase, parts, wanted))
