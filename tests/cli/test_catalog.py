"""`premiere projects|environments|services|segments ...` against a live server."""

from __future__ import annotations

import json
import re

from .conftest import Cli


def test_projects_list__demo__acme_shop(run: Cli) -> None:
    result = run.ok("projects", "list")
    assert "demo" in result.stdout
    assert "Acme Shop" in result.stdout


def test_environments_list__demo__in_order(run: Cli) -> None:
    result = run.ok("environments", "list", "--project", "demo", "--json")
    keys = [e["key"] for e in json.loads(result.stdout)]
    assert keys == ["development", "testing", "staging", "production"]


def test_services_list__demo__three_services(run: Cli) -> None:
    result = run.ok("services", "list", "-p", "demo", "--json")
    assert sorted(s["key"] for s in json.loads(result.stdout)) == ["api", "web", "worker"]


def test_projects_create_update__new_project__then_project_option_needed(run: Cli) -> None:
    run.ok("projects", "create", "cli-other", "--name", "Other")
    run.ok("environments", "create", "qa", "--project", "cli-other")
    run.ok("environments", "update", "qa", "--project", "cli-other", "--name", "QA")
    updated = run.ok("projects", "update", "cli-other", "--description", "for tests", "--json")
    assert json.loads(updated.stdout)["description"] == "for tests"
    envs = json.loads(run.ok("environments", "list", "--project", "cli-other", "--json").stdout)
    assert [(e["key"], e["name"]) for e in envs] == [("qa", "QA")]
    run.ok("services", "create", "billing", "-p", "cli-other", "--repository", "https://x.example")
    # With two projects, leaving --project out is a usage error naming both.
    result = run("flags", "list", PREMIERE_PROJECT=None)
    assert result.exit_code == 2
    assert "cli-other" in result.stderr and "demo" in result.stderr
    # PREMIERE_PROJECT chooses one.
    assert "new-checkout" in run.ok("flags", "list", PREMIERE_PROJECT="demo").stdout
    assert "new-checkout" in run.ok("flags", "list", "-p", "demo", PREMIERE_PROJECT=None).stdout


def test_projects_update__nothing_to_change__usage_exit_code(run: Cli) -> None:
    assert run("projects", "update", "demo").exit_code == 2


def test_segments__create_update_get_delete(run: Cli) -> None:
    run.ok("segments", "create", "cli-vips", "-p", "demo", "--included", "u-1,u-2",
           "--rule", "plan in enterprise", "--rule", "email ends_with @vip.example")  # fmt: skip
    segment = json.loads(run.ok("segments", "get", "cli-vips", "-p", "demo", "--json").stdout)
    assert segment["included"] == ["u-1", "u-2"]
    clauses = [r["clauses"][0] for r in segment["rules"]]
    assert clauses[1] == {"attribute": "email", "op": "ends_with", "values": ["@vip.example"],
                          "negate": False}  # fmt: skip
    run.ok("segments", "update", "cli-vips", "-p", "demo", "--include", "u-3", "--forget", "u-1",
           "--exclude", "u-9", "--remove-rule", segment["rules"][0]["id"])  # fmt: skip
    segment = json.loads(run.ok("segments", "get", "cli-vips", "-p", "demo", "--json").stdout)
    assert (segment["included"], segment["excluded"]) == (["u-2", "u-3"], ["u-9"])
    assert len(segment["rules"]) == 1
    assert "cli-vips" in run.ok("segments", "list", "-p", "demo").stdout
    run.ok("segments", "delete", "cli-vips", "-p", "demo")
    assert run("segments", "get", "cli-vips", "-p", "demo").exit_code == 3


def test_segments_create__bad_rule_syntax__usage_exit_code(run: Cli) -> None:
    result = run("segments", "create", "cli-bad", "-p", "demo", "--rule", "plan is pro")
    assert result.exit_code == 2
    assert "unknown operator 'is'" in result.stderr


def test_audit_list__flag_changes__newest_first_with_changed_fields(run: Cli) -> None:
    run.ok("flags", "create", "cli-audited")
    run.ok("flags", "on", "cli-audited", "--env", "staging")
    page = json.loads(run.ok("audit", "list", "--flag", "cli-audited", "--json").stdout)
    assert [e["action"] for e in page["items"]] == ["flag_config.updated", "flag.created"]
    table = run.ok("audit", "list", "--flag", "cli-audited").stdout
    assert "flag_config.updated" in table and " on " in table


def test_audit_list__diff__changed_fields_before_and_after(run: Cli) -> None:
    run.ok("flags", "create", "cli-diffed")
    run.ok("flags", "on", "cli-diffed", "--env", "staging")
    table = run.ok("audit", "list", "--flag", "cli-diffed", "--diff").stdout
    assert "changed (before -> after)" in table
    assert "on: false -> true" in table
    assert "on: false -> true" not in run.ok("audit", "list", "--flag", "cli-diffed").stdout


def test_audit_list__limit_one__offers_the_next_page(run: Cli) -> None:
    result = run.ok("audit", "list", "--limit", "1")
    assert "More: add --cursor" in result.stdout


def test_environments_policy__get_and_update__enforced_on_deployments(run: Cli) -> None:
    # Given a project with staging and production, and a service
    project = {"PREMIERE_PROJECT": "cli-policy"}
    run.ok("projects", "create", "cli-policy")
    for env in ("staging", "production"):
        run.ok("environments", "create", env, **project)
    run.ok("services", "create", "api", **project)
    shown = json.loads(run.ok("environments", "get", "production", "--json", **project).stdout)
    assert shown["key"] == "production"
    assert shown["policy"]["require_verified_in_previous"] is False
    # When production is made to require versions verified in staging
    updated = run.ok("environments", "update", "production", "--require-verified-in-previous",
                     **project)  # fmt: skip
    assert "production requires versions verified in the previous environment" in updated.stdout
    # Then get shows it, and a version never verified in staging is refused there
    table = run.ok("environments", "get", "production", **project).stdout
    assert re.search(r"require_verified_in_previous\s+yes", table), table
    deploy = ("deployments", "record", "-s", "api", "-v", "1.0.0", "-e", "production",
              "--commit", "abcdef0")  # fmt: skip
    refused = run(*deploy, **project)
    assert refused.exit_code == 4
    assert "requires versions verified in 'staging'" in refused.stderr
    # When it is lifted, together with another change, the deployment goes through
    lifted = run.ok("environments", "update", "production", "--name", "Prod",
                    "--no-require-verified-in-previous", "--json", **project)  # fmt: skip
    both = json.loads(lifted.stdout)
    assert (both["name"], both["policy"]["require_verified_in_previous"]) == ("Prod", False)
    assert both["policy"]["version"] == 3
    run.ok(*deploy, **project)


def test_environments_get__unknown_environment__not_found(run: Cli) -> None:
    assert run("environments", "get", "moon").exit_code == 3


def test_environments_update__policy_of_unknown_environment__not_found(run: Cli) -> None:
    result = run("environments", "update", "moon", "--no-require-verified-in-previous")
    assert result.exit_code == 3
