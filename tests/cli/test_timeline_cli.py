"""`premiere timeline` against a live server with the demo project."""

from __future__ import annotations

import json

from .conftest import Cli


def test_timeline__release_category__json_items_of_that_category_only(run: Cli) -> None:
    result = run.ok("timeline", "--category", "release", "--category", "approval", "--json")

    items = json.loads(result.stdout)["items"]
    assert items
    assert {item["category"] for item in items} <= {"release", "approval"}
    assert all(item["link"].startswith("/projects/demo/") for item in items)


def test_timeline__table__sentences_and_next_page_hint(run: Cli) -> None:
    result = run.ok("timeline", "--limit", "2", COLUMNS="200")

    page = json.loads(run.ok("timeline", "--limit", "2", "--json").stdout)
    assert "Timeline" in result.stdout
    for item in page["items"]:
        assert item["title"] in result.stdout
    assert f"More: add --cursor {page['next_cursor']}" in result.stdout


def test_timeline__unknown_category__usage_error_naming_the_choices(run: Cli) -> None:
    result = run("timeline", "--category", "weather")

    assert result.exit_code == 2
    assert "deployment" in result.stderr
