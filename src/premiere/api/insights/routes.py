"""DORA and release-aware measures: ``/api/v1/projects/{project}/insights/...``.

Each answers JSON, or CSV with ``?format=csv`` or ``Accept: text/csv``. Whoever may
read the ledger may read them (action ``ledger.read``: every role, deploy tokens).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from premiere.api.auth import LedgerReader, StoreDep
from premiere.api.insights.models import DoraView, ReleaseMeasuresView
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.params import query_fields
from premiere.errors import ValidationError
from premiere.services.insights.dora import dora_measures
from premiere.services.insights.periods import parse_period
from premiere.services.insights.releases import release_measures
from premiere.services.insights.tables import render_dora_csv, render_release_csv
from premiere.store.types import utc_now

router = APIRouter(
    prefix="/projects/{project}/insights", tags=["insights"], responses=COMMON_ERRORS
)

Moment = Annotated[
    str | None,
    Query(max_length=64, description="RFC 3339 date-time (any offset) or a date (UTC midnight)."),
]
Grain = Annotated[str | None, Query(max_length=16, description="day, week (default) or month.")]
Filter = Annotated[str | None, Query(max_length=200)]
Format = Annotated[str | None, Query(max_length=8, description="json (default) or csv.")]
CSV = {"text/csv": {"schema": {"type": "string"}}}


def _or_csv(model: Any) -> dict[int | str, dict[str, Any]]:
    """The route's JSON answer, and the same as CSV."""
    described = answers(model, 404)
    described[200] = {**described[200], "content": CSV}
    return described


@router.get(
    "/dora",
    summary="DORA measures: frequency, lead time, failure rate, recovery, rework",
    responses=_or_csv(DoraView),
)
def get_dora(
    request: Request,
    store: StoreDep,
    token: LedgerReader,
    project: str,
    start: Annotated[Moment, Query(alias="from")] = None,
    to: Moment = None,
    grain: Grain = None,
    service: Filter = None,
    environment: Filter = None,
    format: Format = None,
) -> Response:
    with query_fields():
        period = parse_period({"from": start, "to": to, "grain": grain}, utc_now())
        measures = dora_measures(store, project, period, service=service, environment=environment)
    if _wants_csv(request, format):
        return _csv(render_dora_csv(measures), f"{project}-dora.csv")
    return JSONResponse(measures)


@router.get(
    "/releases",
    summary="Release-aware measures: release and exposure lead time, dark code, failed releases",
    responses=_or_csv(ReleaseMeasuresView),
)
def get_release_measures(
    request: Request,
    store: StoreDep,
    token: LedgerReader,
    project: str,
    start: Annotated[Moment, Query(alias="from")] = None,
    to: Moment = None,
    grain: Grain = None,
    environment: Filter = None,
    format: Format = None,
) -> Response:
    with query_fields():
        period = parse_period({"from": start, "to": to, "grain": grain}, utc_now())
        measures = release_measures(store, project, period, environment=environment)
    if _wants_csv(request, format):
        return _csv(render_release_csv(measures), f"{project}-releases.csv")
    return JSONResponse(measures)


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        if format not in ("json", "csv"):
            raise ValidationError.single("query.format", "enum", "must be json or csv")
        return format == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _csv(text: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)
