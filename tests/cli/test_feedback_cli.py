"""`premiere feedback` against a live server: a release's summary per stage, and the
CSV export."""

from __future__ import annotations

import csv
import io
import json

import httpx

from .conftest import ADMIN_TOKEN, Cli, LiveServer


def test_feedback__summary_and_csv_export(run: Cli, live_server: LiveServer) -> None:
    # Given a release whose note is published, and two end users' feedback on it
    run.ok("releases", "create", "cli-feedback", "--env", "staging", "--flag", "dark-mode=true")
    note = json.loads(run.ok("notes", "create", "cli-feedback", "--title", "Dark", "--json").stdout)
    run.ok("notes", "publish", "cli-feedback", str(note["id"]))
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        body = {"name": "web", "scope": "sdk-client", "project": "demo", "environment": "staging"}
        key = http.post("/api/v1/tokens", json=body, headers=admin).json()["token"]
        for user, given in (
            ("u1", {"reaction": "like"}),
            ("u2", {"comment": "=cmd|' /C calc'!A0"}),
        ):
            answer = http.post(
                f"/api/v1/whats-new/{note['id']}/feedback",
                json={"context": {"key": user}, **given},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert answer.status_code == 201, answer.text

    # When the summary is asked for, then it counts them
    summary = json.loads(run.ok("feedback", "summary", "cli-feedback", "--json").stdout)
    assert summary["total"]["reactions"]["like"] == 1 and summary["total"]["comments"] == 1
    assert "no stage" in run.ok("feedback", "summary", "cli-feedback").stdout

    # When it is exported, then every piece is a CSV row (a formula defused)
    exported = run.ok("feedback", "export", "cli-feedback", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["context_key"], r["reaction"]) for r in rows] == [("u1", "like"), ("u2", "")]
    assert rows[1]["comment"] == "'=cmd|' /C calc'!A0"
    assert run("feedback", "export", "cli-feedback").exit_code != 0  # --csv is required
