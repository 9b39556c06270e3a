"""SDK event ingestion and the aggregates it stores."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["events"])
