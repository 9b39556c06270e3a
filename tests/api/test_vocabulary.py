"""The URLs the glossary (docs/concepts.md) names are served, under the glossary's words.

The CLI took the API's nouns and verbs, so no URL needed an alias; these tests fail
if a URL the glossary names stops being served or leaves the OpenAPI document.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from premiere.api import create_app
from premiere.settings import Settings

from .support import Api

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "/api/v1/projects/{project}"


def _glossary_urls() -> list[str]:
    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    glossary = text.split("## Glossary", 1)[1]
    return sorted(set(re.findall(r"`(/[^`\s]+)`", glossary)))


def _openapi_paths() -> set[str]:
    return set(create_app(Settings(database_url="unused://")).openapi()["paths"])


def test_glossary__urls__named() -> None:
    urls = _glossary_urls()
    assert {"/freeze-windows", "/release-trains", "/environment-matrix"} <= set(urls)
    assert "/environments/{environment}/evaluate/{flag}" in urls


@pytest.mark.parametrize("url", _glossary_urls())
def test_glossary__each_url__in_the_openapi_document(url: str) -> None:
    paths = _openapi_paths()
    assert PREFIX + url in paths or "/api/v1" + url in paths, f"{url} is not served"


@pytest.mark.parametrize(
    "url",
    ["/freeze-windows", "/release-trains", "/environment-matrix", "/services/api/checks"],
)
def test_glossary__list_urls__answer_200(demo: Api, url: str) -> None:
    demo.post("/api/v1/projects/demo/services", json={"key": "api"})
    response = demo.request("GET", PREFIX.replace("{project}", "demo") + url)
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list | dict)
