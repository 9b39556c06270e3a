"""The timeline over HTTP: readers of the project, filters from the query, 4xx on bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running

from .conftest import SHA, personal_token

TIMELINE = "/api/v1/projects/shop/timeline"


@pytest.fixture
def shop(store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://", max_body_bytes=1_048_576)
    with running(create_app(settings, store)) as client:
        api = Api(client, store, admin_token)
        api.project("shop", ("staging", "production"))
        api.ok(api.post("/api/v1/projects/shop/services", {"key": "web"}), 201)
        yield api


def test_timeline_api__deployment_and_flag__both_categories_newest_first(shop: Api) -> None:
    body = {"service": "web", "environment": "staging", "version": "1.0.0", "commit_sha": SHA}
    shop.ok(shop.post("/api/v1/projects/shop/deployments", body), 201)
    shop.flag("shop", "checkout")
    params = {"category": ["deployment", "flag"], "limit": 5}
    page = shop.ok(shop.get(TIMELINE, params=params))
    assert [(i["category"], i["title"]) for i in page["items"]] == [
        ("flag", "Flag checkout created"),
        ("deployment", "Deployment of web 1.0.0 to staging recorded (pending)"),
    ]
    assert page["next_cursor"] is None


def test_timeline_api__viewer_of_the_project__allowed_others_refused(shop: Api) -> None:
    shop.project("other")
    viewer = personal_token(shop.store, "shop", "viewer")
    stranger = personal_token(shop.store, "other", "engineer")
    pipeline = shop.token("deploy", "shop")
    assert shop.get(TIMELINE, token=viewer).status_code == 200
    assert shop.get(TIMELINE, token=stranger).status_code == 403
    assert shop.get(TIMELINE, token=pipeline).status_code == 403  # the ledger only


def test_timeline_api__bad_query__422_naming_field_and_rule(shop: Api) -> None:
    answer = shop.get(TIMELINE, params={"category": "weather"})
    assert answer.status_code == 422
    errors = answer.json()["error"]["details"]["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("query.category", "enum")]
    answer = shop.get(TIMELINE, params={"cursor": "nonsense"})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["errors"][0]["rule"] == "invalid_cursor"


def test_timeline_api__unknown_project__404(shop: Api) -> None:
    answer = shop.get("/api/v1/projects/nowhere/timeline")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
