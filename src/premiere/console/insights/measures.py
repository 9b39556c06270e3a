"""The insights page of a project: the five DORA measures and the release-aware ones.

The page reads :func:`premiere.services.insights.dora.dora_measures` and
:func:`premiere.services.insights.releases.release_measures`, as the API's
``/api/v1/projects/<project>/insights/dora`` and ``/releases`` do, over the period its
GET form chooses (the last 30, 90, 180 or 365 days, or from/to), with a grain, a
service and an environment. A filter the service refuses is shown at its field (422).
Each measure has its value, its band, and a trend per bucket drawn as bars
(``charts.py``); the lead times have their distribution.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import LedgerReader, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.insights.charts import BarChart, bar_chart
from premiere.console.pages import duration, frame, page
from premiere.errors import ValidationError
from premiere.services.catalog import list_services
from premiere.services.environments import list_environments
from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from premiere.services.insights.releases import release_measures
from premiere.store import Store
from premiere.store.insights import GRAINS
from premiere.store.types import utc_now

router = APIRouter(include_in_schema=False)

FILTERS = ("period", "from", "to", "grain", "service", "environment")
PERIODS: tuple[tuple[str, str], ...] = (
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("180", "Last 180 days"),
    ("365", "Last 365 days"),
    ("custom", "From and to below"),
)
MAX_FILTER = 200


@router.get("/projects/{project}/insights")
async def insights_page(request: Request, project: str, session: LedgerReader) -> Response:
    params = request.query_params
    query = {name: params.get(name, "")[:MAX_FILTER] for name in FILTERS}
    store = store_of(request)
    view = await run_in_threadpool(build_insights, store, project, query, utc_now())
    return page(request, "insights/measures.html", view, status=422 if view["errors"] else 200)


def build_insights(
    store: Store, project: str, query: dict[str, str], now: datetime
) -> dict[str, Any]:
    """The measures the filters select, with their charts, or the filters' errors."""
    view: dict[str, Any] = {
        **frame(store, project, "insights"),
        "query": query,
        "periods": PERIODS,
        "grains": GRAINS,
        "environment_options": [(e["key"], e["name"]) for e in list_environments(store, project)],
        "service_options": [(s["key"], s["name"]) for s in list_services(store, project)],
        "errors": FormErrors(),
        "dora": None,
    }
    try:
        period = parse_period(_period_fields(query, now), now)
        environment = query["environment"] or None
        dora = dora_measures(
            store, project, period, service=query["service"] or None, environment=environment
        )
        releases = release_measures(store, project, period, environment=environment)
    except FORM_ERRORS as exc:
        view["errors"] = map_error_to_form(exc)
        return view
    view.update(dora=dora, releases=releases, charts=_charts(dora, releases))
    view["csv"] = _csv_links(project, query, period.as_dict())
    view["empty"] = dora["change_failure_rate"]["deployments"] == 0
    return view


def _period_fields(query: dict[str, str], now: datetime) -> dict[str, str]:
    """``from``/``to``/``grain`` for ``parse_period``: from the form's dates, or the last
    N days to ``now``. Dates given win over a chosen length."""
    chosen = query["period"] or "30"
    fields = {"grain": query["grain"] or "week", "from": query["from"], "to": query["to"]}
    if query["from"] or query["to"] or chosen == "custom":
        return fields
    if chosen not in {value for value, _ in PERIODS}:
        raise ValidationError.single("period", "enum", "must be 30, 90, 180 or 365 days, or custom")
    fields["from"] = (now - timedelta(days=int(chosen))).isoformat()
    return fields


def _csv_links(project: str, query: dict[str, str], period: dict[str, str]) -> dict[str, str]:
    base = f"/api/v1/projects/{quote(project, safe='')}/insights"
    kept = [("from", period["from"]), ("to", period["to"]), ("grain", period["grain"])]
    kept += [("environment", query["environment"])] if query["environment"] else []
    service = [("service", query["service"])] if query["service"] else []
    return {
        "dora": f"{base}/dora?{urlencode([*kept, *service, ('format', 'csv')])}",
        "releases": f"{base}/releases?{urlencode([*kept, ('format', 'csv')])}",
    }


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.1f} %"


def _seconds(value: float | None) -> str:
    return "no data" if value is None else duration(value)


def _count(value: float | None) -> str:
    return "no data" if value is None else f"{value:g}"


def _charts(dora: dict[str, Any], releases: dict[str, Any]) -> dict[str, BarChart]:
    """The trend of each measure per bucket, the lead times' distribution and the dark
    code's ages."""

    def trend(measure: str, key: str) -> list[tuple[str, float | None]]:
        return [(item["bucket"], item[key]) for item in dora[measure]["series"]]

    lead = dora["lead_time"]
    return {
        "deployment_frequency": bar_chart(
            "trend-frequency", "Deployments verified per bucket",
            trend("deployment_frequency", "deployments"), _count,
        ),
        "lead_time": bar_chart(
            "trend-lead-time", "Median lead time per bucket",
            trend("lead_time", "median_seconds"), _seconds,
        ),
        "change_failure_rate": bar_chart(
            "trend-failure-rate", "Change failure rate per bucket",
            trend("change_failure_rate", "rate"), _percent,
        ),
        "recovery_time": bar_chart(
            "trend-recovery", "Median recovery time per bucket",
            trend("recovery_time", "median_seconds"), _seconds,
        ),
        "rework_rate": bar_chart(
            "trend-rework", "Rework rate per bucket", trend("rework_rate", "rate"), _percent
        ),
        "lead_time_distribution": bar_chart(
            "lead-time-distribution", "Lead times by range",
            [(item["range"], item["count"]) for item in lead["distribution"]], _count,
        ),
        "dark_code_age": bar_chart(
            "dark-code-age", "Flags deployed but released to no one, by days waited",
            [(item["range"], item["flags"]) for item in releases["dark_code_age"]["ranges"]],
            _count,
        ),
    }  # fmt: skip
