"""``/metrics``: parsed as Prometheus text and as OpenMetrics; requests by route template
and status, flag evaluations, store gauges; who may read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from premiere.api import create_app
from premiere.api.insights.metrics import observe_scheduler
from premiere.scheduler import Scheduler
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running

from .conftest import SHA, personal_token

METRICS_TOKEN = "scrape-me-please-0123456789"


def serve(store: Store, **settings: object) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    app = create_app(Settings(database_url="unused://", **settings), store)  # type: ignore[arg-type]
    with running(app) as client:
        api = Api(client, store, admin_token)
        api.project("shop", ("staging", "production"))
        api.ok(api.post("/api/v1/projects/shop/services", {"key": "web"}), 201)
        yield api


@pytest.fixture
def shop(store: Store) -> Iterator[Api]:
    yield from serve(store)


@pytest.fixture
def guarded(store: Store) -> Iterator[Api]:
    yield from serve(store, metrics_token=METRICS_TOKEN)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics__after_requests__counts_by_route_template_and_status_and_store_gauges(
    shop: Api,
) -> None:
    body = {"service": "web", "environment": "staging", "version": "1.0.0", "commit_sha": SHA}
    shop.ok(shop.post("/api/v1/projects/shop/deployments", body), 201)
    shop.flag("shop", "checkout")
    token = shop.token("sdk-server", "shop", "production")
    for _ in range(3):
        shop.ok(shop.post("/ofrep/v1/evaluate/flags/checkout", {"context": {}}, token=token))
    shop.get("/no/such/path")
    answer = shop.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    services = (("method", "POST"), ("route", "/api/v1/projects/{project}/services"),
                ("status", "201"))  # fmt: skip
    assert found[("premiere_http_requests_total", services)] == 1
    assert found[("premiere_http_request_duration_seconds_count", services)] == 1
    ofrep = (("method", "POST"), ("route", "/ofrep/v1/evaluate/flags/{key}"), ("status", "200"))
    assert found[("premiere_http_requests_total", ofrep)] == 3
    assert found[("premiere_flag_evaluation_requests_total", (("endpoint", "ofrep"),))] == 3
    unmatched = (("method", "GET"), ("route", "(unmatched)"), ("status", "404"))
    assert found[("premiere_http_requests_total", unmatched)] == 1
    pending = (("project", "shop"), ("status", "pending"))
    assert found[("premiere_deployments", pending)] == 1
    assert found[("premiere_sdk_streams_open", ())] == 0
    assert found[("premiere_outbox_pending_deliveries", ())] == 0


def test_metrics__openmetrics_accepted__openmetrics_format_that_parses(shop: Api) -> None:
    answer = shop.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.endswith("# EOF\n")
    names = {family.name for family in openmetrics_families(answer.text)}
    assert {"premiere_http_requests", "premiere_deployments", "premiere_releases"} <= names


def test_metrics__without_metrics_token__admin_only(shop: Api) -> None:
    deploy = shop.token("deploy", "shop")
    project_admin = personal_token(shop.store, "shop", "admin")
    assert shop.client.get("/metrics").status_code == 401
    assert shop.get("/metrics", token=deploy).status_code == 403
    assert shop.get("/metrics", token=project_admin).status_code == 403  # one project's
    assert shop.get("/metrics").status_code == 200


def test_metrics__metrics_token_set__only_it_is_accepted(guarded: Api) -> None:
    assert guarded.get("/metrics", token=METRICS_TOKEN).status_code == 200
    refused = guarded.get("/metrics")  # the admin token
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert guarded.client.get("/metrics").status_code == 401


def test_metrics__scheduler_observed__its_ticks_and_last_tick(shop: Api, store: Store) -> None:
    at = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    scheduler = Scheduler(store, clock=lambda: at)
    try:
        scheduler.run_once()
        scheduler.run_once()
    finally:
        scheduler.leadership.release()
    observe_scheduler(shop.client.app, scheduler)
    found = samples(shop.get("/metrics").text)
    assert found[("premiere_scheduler_ticks_total", ())] == 2
    assert found[("premiere_scheduler_last_tick_timestamp_seconds", ())] == at.timestamp()
