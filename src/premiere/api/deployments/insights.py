"""What the ledger knows: the environment matrix, where a flag's code runs, dark code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import LedgerReader, StoreDep
from premiere.api.deployments.models import DarkCodeView, FlagDeploymentsView, MatrixView
from premiere.api.models import COMMON_ERRORS, answers
from premiere.services.deployments import darkcode, matrix

router = APIRouter(prefix="/projects/{project}", tags=["deployments"], responses=COMMON_ERRORS)


@router.get(
    "/environment-matrix",
    summary="Which version of each service runs in each environment",
    responses=answers(MatrixView, 404),
)
def environment_matrix(
    store: StoreDep,
    token: LedgerReader,
    project: str,
    service: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    return JSONResponse(matrix.get_environment_matrix(store, project, service=service))


@router.get(
    "/flags/{flag}/deployments",
    summary="Where a flag's code is deployed",
    responses=answers(FlagDeploymentsView, 404),
)
def flag_deployments(store: StoreDep, token: LedgerReader, project: str, flag: str) -> JSONResponse:
    return JSONResponse(darkcode.list_flag_deployments(store, project, flag))


@router.get(
    "/dark-code",
    summary="Flags deployed and verified in production but released to no one",
    responses=answers(DarkCodeView, 404),
)
def dark_code(store: StoreDep, token: LedgerReader, project: str) -> JSONResponse:
    return JSONResponse(darkcode.list_dark_code(store, project))
