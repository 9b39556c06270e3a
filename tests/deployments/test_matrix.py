from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from premiere.services.deployments.matrix import get_environment_matrix, semver_key
from premiere.store.deployments import version_order
from tests.api.support import Api

from .conftest import deploy, record

BASE = "/api/v1/projects/shop"


def matrix(api: Api, **query: str) -> Any:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return api.ok(api.get(f"{BASE}/environment-matrix?{params}"))


def web(view: Any) -> Any:
    return next(item for item in view["services"] if item["service"] == "web")


def test_matrix__empty__every_cell_null(shop: Api) -> None:
    view = matrix(shop)

    assert view["environments"] == ["development", "staging", "production"]
    assert web(view)["environments"] == {"development": None, "staging": None, "production": None}


def test_matrix__latest_succeeded_per_environment(shop: Api) -> None:
    deploy(shop, version="1.0.0")
    latest = deploy(shop, version="1.1.0")
    shop.ok(record(shop, version="1.2.0"), 201)  # pending: not running
    deploy(shop, environment="production", version="1.0.0")

    cells = web(matrix(shop))["environments"]

    assert cells["staging"]["version"] == "1.1.0"
    assert cells["staging"]["deployment_id"] == latest["id"]
    assert cells["staging"]["verified"] is True and cells["staging"]["since"]
    assert cells["production"]["version"] == "1.0.0"


def test_matrix__failed_deployment__previous_keeps_running(shop: Api) -> None:
    deploy(shop, version="1.0.0")
    bad = shop.ok(record(shop, version="1.1.0"), 201)
    shop.ok(shop.post(f"{BASE}/deployments/{bad['id']}/finish", {"outcome": "failed"}))

    assert web(matrix(shop))["environments"]["staging"]["version"] == "1.0.0"


def test_matrix__production_behind_staging__deployments_versions_time(shop: Api) -> None:
    deploy(shop, version="1.0.0")
    deploy(shop, environment="production", version="1.0.0")
    deploy(shop, version="1.1.0")
    deploy(shop, version="1.1.0")
    deploy(shop, version="1.2.0")

    behind = {b["environment"]: b for b in web(matrix(shop))["behind"]}

    production = behind["production"]
    assert production["previous"] == "staging"
    assert production["deployments"] == 3
    assert production["versions"] == 2
    assert production["semver"] is True
    assert production["seconds"] > 0
    assert behind["staging"]["deployments"] == 0  # nothing in development


def test_matrix__same_version__not_behind(shop: Api) -> None:
    deploy(shop, version="2.0.0")
    deploy(shop, environment="production", version="2.0.0")

    production = web(matrix(shop))["behind"][1]

    assert (production["deployments"], production["versions"], production["seconds"]) == (0, 0, 0)


def test_matrix__semver__older_version_in_staging_not_counted(shop: Api) -> None:
    deploy(shop, version="2.0.0")
    deploy(shop, environment="production", version="2.0.0")
    deploy(shop, version="1.9.0")  # staging went back: production is not behind it

    production = web(matrix(shop))["behind"][1]

    assert production["versions"] == 0 and production["deployments"] == 0


def test_matrix__semver__older_and_newer_versions_waiting__only_newer_counted(shop: Api) -> None:
    deploy(shop, version="2.0.0")
    deploy(shop, environment="production", version="2.0.0")
    for version in ("1.9.0", "2.1.0-rc.1", "2.0.0-rc.9", "2.1.0-rc.1", "v2.10.0", "build-7"):
        deploy(shop, version=version)

    production = web(matrix(shop))["behind"][1]

    # 2.1.0-rc.1 twice, v2.10.0 and build-7 (not a semantic version: always counted)
    assert (production["deployments"], production["versions"]) == (4, 3)


def test_matrix__unknown_service__404(shop: Api) -> None:
    response = shop.get(f"{BASE}/environment-matrix?service=nope")

    assert response.status_code == 404
    assert response.json()["error"]["details"]["key"] == "nope"


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.0", "1.0.1"),
        ("1.0.0-rc.1", "1.0.0"),
        ("1.0.0-alpha", "1.0.0-beta"),
        ("v1.9.0", "1.10.0"),
        ("1.0.0-rc.2", "1.0.0-rc.10"),
    ],
)
def test_semver_key__orders_as_semver(lower: str, higher: str) -> None:
    low, high = semver_key(lower), semver_key(higher)
    assert low is not None and high is not None and low < high


@pytest.mark.parametrize(
    "versions",
    [
        ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2"],
        ["1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "v1.9.0", "1.10.0", "10.0.0"],
        ["1.0.0-1", "1.0.0-01.a", "1.0.0-2", "1.0.0-10", "1.0.0-A", "1.0.0-a", "1.0.0-a-b"],
    ],
)
def test_version_order__sorted_strings__same_order_as_semver_key(versions: list[str]) -> None:
    orders = [version_order(version) for version in versions]

    assert all(order is not None for order in orders)
    assert sorted(versions, key=lambda v: str(version_order(v))) == sorted(
        versions, key=lambda v: semver_key(v) or ()
    )
    assert version_order("abc") is None


def test_semver_key__not_semver__none() -> None:
    assert semver_key("abc") is None


def test_matrix__statements__do_not_grow_with_services(shop: Api) -> None:
    """The matrix reads what runs where from the current-state table and "behind" in two
    statements per pair of environments, however many services there are."""
    counts = []
    for services in (1, 6):
        for index in range(services):
            key = f"svc-{services}-{index}"
            shop.ok(shop.post(f"{BASE}/services", {"key": key}), 201)
            for environment, version in (("staging", "2.0.0"), ("production", "1.0.0")):
                view = shop.ok(record(shop, environment, version, service=key), 201)
                shop.ok(
                    shop.post(f"{BASE}/deployments/{view['id']}/finish", {"outcome": "succeeded"})
                )
        counts.append(_statements(shop, lambda: get_environment_matrix(shop.store, "shop")))

    assert counts[0] == counts[1]


def _statements(api: Api, call: Callable[[], object]) -> int:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(api.store.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(api.store.engine, "before_cursor_execute", count)
    return len(statements)
