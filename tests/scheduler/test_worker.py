"""The scheduler as `premiere worker` and inside `premiere serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from premiere.cli.main import cli
from premiere.cli.server.worker import background_scheduler
from premiere.services.flags.scheduled_changes import create_scheduled_change, get_scheduled_change
from premiere.store import Store
from simulation.system import FLAG, OPERATOR, PROJECT, set_up


def _due_change(store: Store) -> int:
    set_up(store)
    now = datetime.now(UTC)
    change = create_scheduled_change(
        store,
        OPERATOR,
        PROJECT,
        {
            "flag": FLAG,
            "environment": "production",
            "patch": {"off_variation": 0},
            "at": (now + timedelta(seconds=0.2)).isoformat(),
        },
        now=now,
    )
    return int(change["id"])


def _wait_applied(store: Store, change: int, seconds: float = 10.0) -> str:
    deadline = time.monotonic() + seconds
    status = "pending"
    while time.monotonic() < deadline:
        status = get_scheduled_change(store, PROJECT, change)["status"]
        if status != "pending":
            break
        time.sleep(0.05)
    return status


def test_background_scheduler__due_change__applied_while_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREMIERE_SCHEDULER_INTERVAL", "0.05")
    with Store.open(f"sqlite:///{tmp_path / 'p.db'}") as store:
        change = _due_change(store)
        with background_scheduler(store) as scheduler:
            assert scheduler is not None and scheduler.interval == 0.05
            assert _wait_applied(store, change) == "applied"
            assert (tmp_path / "p.db.scheduler.lock").exists()
        assert not (tmp_path / "p.db.scheduler.lock").exists()  # removed when it stopped


def test_background_scheduler__disabled__no_scheduler(tmp_path: Path) -> None:
    with Store.open("sqlite://") as store, background_scheduler(store, enabled=False) as scheduler:
        assert scheduler is None


def test_worker__interval_not_positive__clear_error() -> None:
    result = CliRunner().invoke(cli, ["worker", "--interval", "0"])
    assert result.exit_code != 0
    assert "--interval must be positive" in result.output


@pytest.mark.slow
def test_worker__process__applies_due_change_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with Store.open(url) as store:
        change = _due_change(store)
        env = {**os.environ, "PREMIERE_DATABASE_URL": url, "PREMIERE_SCHEDULER_INTERVAL": "0.1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "premiere.cli", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert _wait_applied(store, change, seconds=20) == "applied"
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Scheduler stopped." in out
    assert not (tmp_path / "w.db.scheduler.lock").exists()
