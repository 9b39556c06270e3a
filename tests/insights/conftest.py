"""Fixtures: the real app over the real store holding the worked example."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running
from tests.insights.history import build_history


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://", max_body_bytes=1_048_576)
    with running(create_app(settings, store)) as client:
        yield Api(client, store, admin_token)


@pytest.fixture
def shop(api: Api) -> Api:
    """The worked example of docs/insights.md (project ``shop``)."""
    build_history(api.store)
    return api
