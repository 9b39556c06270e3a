"""The insights over HTTP: JSON, CSV, and refused periods and filters."""

from __future__ import annotations

import csv
import io

import pytest

from tests.api.support import Api

DORA = "/api/v1/projects/shop/insights/dora"
RELEASES = "/api/v1/projects/shop/insights/releases"
MARCH = {"from": "2026-03-02", "to": "2026-03-23", "grain": "week"}


def _errors(response: object) -> list[tuple[str, str]]:
    body = response.json()  # type: ignore[attr-defined]
    return [(e["field"], e["rule"]) for e in body["error"]["details"]["errors"]]


def test_dora_api__worked_example__answers_the_docs_totals(shop: Api) -> None:
    body = shop.ok(shop.get(DORA, params=MARCH))
    assert body["environments"] == ["production"]
    assert body["period"] == {
        "from": "2026-03-02T00:00:00.000000Z",
        "to": "2026-03-23T00:00:00.000000Z",
        "grain": "week",
    }
    assert body["change_failure_rate"]["rate"] == 0.1667
    assert body["lead_time"]["median_seconds"] == 7200


def test_dora_api__format_csv__one_row_per_bucket_and_a_total(shop: Api) -> None:
    response = shop.get(DORA, params={**MARCH, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["bucket"] for r in rows] == ["2026-03-02", "2026-03-09", "2026-03-16", "total"]
    assert rows[-1]["deployments"] == "12" and rows[-1]["failures"] == "2"


def test_release_insights_api__accept_text_csv__answers_csv(shop: Api) -> None:
    response = shop.get(RELEASES, params=MARCH, headers={**shop.auth(), "Accept": "text/csv"})
    assert response.status_code == 200
    measures = [row["measure"] for row in csv.DictReader(io.StringIO(response.text))]
    assert measures.count("failed_release") == 3
    assert "release_lead_time" in measures


def test_dora_api__offsets_in_query__same_moments_in_utc(shop: Api) -> None:
    # 2026-03-02T01:00+01:00 is midnight UTC: the same period as MARCH
    params = {"from": "2026-03-02T01:00:00+01:00", "to": "2026-03-22T19:00:00-05:00"}
    body = shop.ok(shop.get(DORA, params={**params, "grain": "week"}))
    assert body["period"]["from"] == "2026-03-02T00:00:00.000000Z"
    assert body["period"]["to"] == "2026-03-23T00:00:00.000000Z"
    assert body["deployment_frequency"]["total"] == 11


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2026-03-23", "to": "2026-03-02"}, ("query.to", "after_from")),
        ({"from": "2025-01-01", "to": "2026-03-02"}, ("query.to", "period_too_long")),
        ({"from": "yesterday"}, ("query.from", "datetime")),
        ({"grain": "hour"}, ("query.grain", "enum")),
        ({"service": "nope"}, ("query.service", "unknown_service")),
        ({"environment": "moon"}, ("query.environment", "unknown_environment")),
        ({"format": "xml"}, ("query.format", "enum")),
    ],
)
def test_dora_api__bad_query__422_naming_the_field(
    shop: Api, params: dict[str, str], expected: tuple[str, str]
) -> None:
    response = shop.get(DORA, params=params)
    assert response.status_code == 422
    assert expected in _errors(response)


def test_release_insights_api__unknown_environment__422_naming_it(shop: Api) -> None:
    response = shop.get(RELEASES, params={"environment": "moon"})
    assert response.status_code == 422
    assert _errors(response) == [("query.environment", "unknown_environment")]


def test_dora_api__sdk_token__403(shop: Api) -> None:
    token = shop.token("sdk-server", "shop", "production")
    assert shop.get(DORA, token=token).status_code == 403
