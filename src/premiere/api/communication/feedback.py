"""End users' feedback on a release's notes, for the people running it (admin tokens):
``GET /api/v1/projects/{project}/releases/{release}/feedback`` (counts of reactions and
comments per stage) and ``.../feedback.csv`` (every piece of feedback, oldest first)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from premiere.api.auth import Reader, StoreDep
from premiere.api.communication.models import FeedbackSummary
from premiere.api.models import COMMON_ERRORS, answers
from premiere.services.communication import feedback as service

router = APIRouter(prefix="/projects/{project}", tags=["notes"], responses=COMMON_ERRORS)


@router.get(
    "/releases/{release}/feedback",
    summary="A release's feedback: reactions and comments per stage",
    responses=answers(FeedbackSummary, 404),
)
def get_release_feedback(
    store: StoreDep, token: Reader, project: str, release: str
) -> JSONResponse:
    return JSONResponse(service.summarize_release_feedback(store, project, release))


@router.get(
    "/releases/{release}/feedback.csv",
    response_class=Response,
    summary="A release's feedback as CSV",
    responses={
        **answers(None, 404),
        200: {
            "description": "One row per piece of feedback (docs/communication.md).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
def get_release_feedback_csv(
    store: StoreDep, token: Reader, project: str, release: str
) -> Response:
    rows = service.list_release_feedback(store, project, release)
    headers = {"Content-Disposition": f'attachment; filename="{release}-feedback.csv"'}
    return Response(
        service.render_feedback_csv(rows), media_type="text/csv; charset=utf-8", headers=headers
    )
