"""`premiere serve`'s request log: SDK successes summarised, errors and the rest a line
each, uvicorn's own access log off (api/sdk/access_log.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import NO_PREMIERE_ENV, free_port

ADMIN = "prm_00000000000000ad_serve-log-admin-token"


@pytest.mark.slow
def test_serve__sdk_traffic__summarised_errors_and_admin_requests_a_line_each(
    tmp_path: Path,
) -> None:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    environ |= {
        "PREMIERE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "PREMIERE_PORT": str(port),
        "PREMIERE_ADMIN_TOKEN": ADMIN,
    }
    command = [sys.executable, "-m", "premiere.cli", "serve", "--demo", "--no-scheduler"]
    process = subprocess.Popen(
        command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(f"{url}/healthz", process)
        body = {"name": "a", "scope": "sdk-server", "project": "demo", "environment": "production"}
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as admin:
            token = admin.post("/api/v1/tokens", json=body).json()["token"]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as sdk:
            context = {"context": {"targetingKey": "ann"}}
            statuses = [
                sdk.post(f"/ofrep/v1/evaluate/flags/{key}", json=context).status_code
                for key in ("dark-mode", "new-checkout", "dark-mode", "nope")
            ]
            statuses.append(sdk.post("/ofrep/v1/evaluate/flags", json=context).status_code)
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=15)

    assert statuses == [200, 200, 200, 404, 200]
    assert '"POST /api/v1/tokens HTTP/1.1" 201' in err
    assert '"POST /ofrep/v1/evaluate/flags/nope HTTP/1.1" 404' in err
    assert '"POST /ofrep/v1/evaluate/flags/dark-mode' not in err  # counted, not logged
    assert "POST /ofrep/v1/evaluate/flags/{key} 200: 3 requests in the last " in err
    assert "POST /ofrep/v1/evaluate/flags 200: 1 requests in the last " in err


def _wait_ready(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("serve did not start")
