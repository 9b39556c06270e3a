"""The Premiere SDK: evaluate flags in-process, kept current from the Premiere server.

    from premiere.sdk import Client, Config

    with Client(Config(sdk_key="prm_...", base_url="https://premiere.example.com")) as client:
        if client.bool_variation("new-checkout", {"key": user.id, "plan": user.plan}, False):
            ...

It depends on the engine only (``pip install premiere``, no server extra). See docs/sdk.md.
"""

from __future__ import annotations

from premiere.sdk.aio import AsyncClient
from premiere.sdk.client import Client
from premiere.sdk.config import Config
from premiere.sdk.evaluation import (
    CLIENT_NOT_READY,
    INVALID_CONTEXT,
    NOW_ATTRIBUTE,
    SERVICE_ATTRIBUTE,
    SERVICE_VERSION_ATTRIBUTE,
    TYPE_MISMATCH,
    EvaluationDetail,
)
from premiere.sdk.status import DataSourceState, Status

__all__ = [
    "CLIENT_NOT_READY",
    "INVALID_CONTEXT",
    "NOW_ATTRIBUTE",
    "SERVICE_ATTRIBUTE",
    "SERVICE_VERSION_ATTRIBUTE",
    "TYPE_MISMATCH",
    "AsyncClient",
    "Client",
    "Config",
    "DataSourceState",
    "EvaluationDetail",
    "Status",
]
