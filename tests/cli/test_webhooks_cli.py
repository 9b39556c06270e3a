"""`premiere webhooks` against a live server: create (the secret printed once), list,
get, update, test, deliveries, redeliver, rotate-secret, delete; errors as exit codes."""

from __future__ import annotations

import json

from .conftest import Cli


def test_webhooks__lifecycle__through_the_api(run: Cli) -> None:
    created = json.loads(
        run.ok("webhooks", "create", "https://hooks.example.com/cli", "-e", "release.started",
               "-e", "release.rolled_back", "--description", "cli test", "--json").stdout
    )  # fmt: skip
    hook = str(created["id"])
    assert created["secret"].startswith("whsec_")
    shown = run.ok("webhooks", "create", "https://hooks.example.com/two", "-e", "note.published")
    assert "Signing secret (shown only this once)" in shown.stdout
    assert "whsec_" in shown.stdout

    listed = run.ok("webhooks", "list").stdout
    assert "https://hooks.example.com/cli" in listed
    got = json.loads(run.ok("webhooks", "get", hook, "--json").stdout)
    assert "secret" not in got
    updated = json.loads(run.ok("webhooks", "update", hook, "--disable", "--format", "slack",
                                "--json").stdout)  # fmt: skip
    assert (updated["enabled"], updated["format"]) == (False, "slack")

    queued = run.ok("webhooks", "test", hook).stdout
    assert "Ping queued as delivery" in queued
    page = json.loads(run.ok("webhooks", "deliveries", hook, "--json").stdout)
    [delivery] = page["items"]
    assert (delivery["event_type"], delivery["status"]) == ("ping", "pending")
    assert run("webhooks", "redeliver", str(delivery["id"])).exit_code == 4  # still pending

    rotated = json.loads(run.ok("webhooks", "rotate-secret", hook, "--json").stdout)
    assert rotated["secret"] != created["secret"]
    assert "Deleted webhook" in run.ok("webhooks", "delete", hook).stdout
    assert run("webhooks", "get", hook).exit_code == 3


def test_webhooks_create__bad_input__names_the_field(run: Cli) -> None:
    result = run("webhooks", "create", "https://u:p@hooks.example.com/x", "-e", "release.started")
    assert result.exit_code == 1  # validation_failed
    assert "url" in result.stderr
    assert "credentials" in result.stderr
    unknown = run("webhooks", "create", "https://hooks.example.com/x", "-e", "release.exploded")
    assert unknown.exit_code == 1
    assert "events[0]" in unknown.stderr


def test_subscribers__add_list_remove(run: Cli) -> None:
    added = json.loads(run.ok("subscribers", "add", "cli@example.com", "-c", "release",
                              "-c", "note", "--json").stdout)  # fmt: skip
    assert added["categories"] == ["note", "release"]
    assert "cli@example.com" in run.ok("subscribers", "list").stdout
    assert "Removed subscriber" in run.ok("subscribers", "remove", str(added["id"])).stdout
    assert run("subscribers", "remove", str(added["id"])).exit_code == 3
