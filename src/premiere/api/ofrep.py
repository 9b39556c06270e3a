"""OpenFeature Remote Evaluation Protocol (OFREP) endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/ofrep/v1", tags=["ofrep"])
