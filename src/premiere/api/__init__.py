"""The HTTP API: admin REST and the SDK's flag document (FastAPI)."""

from __future__ import annotations

from premiere.api.app import create_app

__all__ = ["create_app"]
