"""`premiere deployments ...` and `premiere deploy run` against a live server, as a pipeline
uses them (docs/pipelines.md): a deploy token, real verification checks against a small
HTTP server on loopback, promotion, the matrix, retries with one idempotency key."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ADMIN_TOKEN, NO_PREMIERE_ENV, Cli, LiveServer, github

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "pipes"
SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
CI_VARIABLES = (
    "GITHUB_ACTIONS", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB", "GITHUB_SHA",
    "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "CI_PIPELINE_ID", "CI_JOB_ID", "CI_COMMIT_SHA",
    "CI_COMMIT_TIMESTAMP", "CI_JOB_URL", "CI_PIPELINE_URL",
)  # fmt: skip
PYTHON = sys.executable


# -- the project, an admin and a pipeline --------------------------------------------------


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> Cli:
    env = {"PREMIERE_URL": live_server.url, "PREMIERE_TOKEN": ADMIN_TOKEN,
           "PREMIERE_PROJECT": PROJECT, **dict.fromkeys(CI_VARIABLES)}  # fmt: skip
    admin = Cli({**NO_PREMIERE_ENV, **env})
    admin.ok("projects", "create", PROJECT, "--name", "Pipelines")
    for environment in ("staging", "production"):
        admin.ok("environments", "create", environment)
    return admin


@pytest.fixture(scope="module")
def pipeline(admin: Cli) -> Cli:
    """`premiere` as a CI job runs it: a deploy token (made as docs/pipelines.md says)."""
    token = admin.ok("tokens", "create", "--scope", "deploy", "--project", PROJECT,
                     "--name", "ci", "--quiet").stdout.strip()  # fmt: skip
    return Cli({**admin.env, "PREMIERE_TOKEN": token})


def add_service(admin: Cli, live_server: LiveServer, service: str, check_url: str | None) -> None:
    admin.ok("services", "create", service)
    if check_url is not None:
        admin.ok(
            "deployments", "checks", "add", "health", "--service", service, "--http", check_url
        )


def as_json(result: Any) -> Any:
    return json.loads(result.stdout)


# -- the acceptance scenario ---------------------------------------------------------------


def test_pipeline__deploy_verify_promote__matrix_shows_the_version_verified_everywhere(
    admin: Cli, pipeline: Cli, live_server: LiveServer, probe: str, tmp_path: Path
) -> None:
    # Given a service whose health check is a real HTTP request, and its source code
    add_service(admin, live_server, "shop-api", f"{probe}/health")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        'on = client.bool_variation("new-checkout", c, False)\n'
    )
    show = "import os; e = os.environ; print('deploying', e['PREMIERE_SERVICE'], "
    show += "e['PREMIERE_VERSION'], 'to', e['PREMIERE_ENVIRONMENT'], e['PREMIERE_DEPLOYMENT_ID'])"
    deploy_script = [PYTHON, "-c", show]
    # When the staging job wraps its deploy command
    staged = pipeline("deploy", "run", "--service", "shop-api", "--version", "1.4.2",
                      "--env", "staging", "--commit", SHA, "--scan", str(tmp_path / "src"),
                      "--", *deploy_script, **github("5001"))  # fmt: skip
    # Then the command ran with the deployment's variables, and its check passed
    assert staged.exit_code == 0, (staged.stdout, staged.stderr)
    assert "deploying shop-api 1.4.2 to staging" in staged.stdout
    assert re.search(r"health\s.*http\s.*passed", staged.stdout), staged.stdout
    # When the production job promotes it, deploying with the same runner
    promoted = pipeline("deployments", "promote", "--service", "shop-api", "--from", "staging",
                        "--to", "production", "--json", "--run", "--", *deploy_script,
                        **github("5001"))  # fmt: skip
    assert promoted.exit_code == 0, (promoted.stdout, promoted.stderr)
    production = as_json(promoted)
    assert "deploying shop-api 1.4.2 to production" in promoted.stderr  # --json: output on stderr
    assert (production["status"], production["verified"]) == ("succeeded", True)
    assert production["promoted_from"] is not None
    assert production["features"] == ["new-checkout"]
    staging = as_json(pipeline.ok("deployments", "get", str(production["promoted_from"]), "--json"))
    assert staging["pipeline_url"] == "https://github.com/acme/shop/actions/runs/5001"
    assert staging["idempotency_key"] == "github:5001:1:deploy:shop-api:staging:1.4.2"
    assert [c["status"] for c in production["verification"]["checks"]] == ["passed"]
    # Then the matrix shows 1.4.2, verified, in both environments
    matrix = as_json(pipeline.ok("deployments", "matrix", "--service", "shop-api", "--json"))
    cells = matrix["services"][0]["environments"]
    assert {env: (c["version"], c["verified"]) for env, c in cells.items()} == {
        "staging": ("1.4.2", True), "production": ("1.4.2", True)}  # fmt: skip
    table = pipeline.ok("deployments", "matrix").stdout
    assert re.search(r"shop-api\s.*1\.4\.2 ✓.*1\.4\.2 ✓", table), table


def test_deploy_run__failing_check__deployment_failed_and_exit_code_10(
    admin: Cli, pipeline: Cli, live_server: LiveServer, probe: str
) -> None:
    add_service(admin, live_server, "broken-api", f"{probe}/broken")
    result = pipeline("deploy", "run", "-s", "broken-api", "-v", "2.0.0", "-e", "staging",
                      "--commit", SHA, "--", PYTHON, "-c", "print('ok')")  # fmt: skip
    assert result.exit_code == 10, (result.stdout, result.stderr)
    assert re.search(r"health\s.*FAILED", result.stdout), result.stdout
    items = as_json(pipeline.ok("deployments", "list", "--service", "broken-api", "--json"))
    deployment = items["items"][0]
    assert (deployment["status"], deployment["verified"]) == ("failed", False)
    assert deployment["verification"]["checks"][0]["http_status"] == 503


@pytest.mark.slow
def test_deploy_run__checks_outlast_wait__exit_11_then_finish_waits_for_them(
    admin: Cli, pipeline: Cli, live_server: LiveServer, probe: str
) -> None:
    # Given a check that takes 2 seconds
    add_service(admin, live_server, "slow-api", f"{probe}/slow")
    # When deploy run waits only 1 second for it
    result = pipeline("deploy", "run", "-s", "slow-api", "-v", "1.0.0", "-e", "staging",
                      "--commit", SHA, "--wait", "1", "--json",
                      "--", PYTHON, "-c", "pass")  # fmt: skip
    # Then it says the checks still run (exit 11), and finish waits for their end
    assert result.exit_code == 11, (result.stdout, result.stderr)
    deployment = as_json(result)
    assert deployment["status"] == "verifying"
    finished = pipeline("deployments", "finish", str(deployment["id"]), "--outcome", "succeeded")
    assert finished.exit_code == 0, (finished.stdout, finished.stderr)
    assert "already verifying" in finished.stderr
    assert re.search(r"health\s.*passed", finished.stdout), finished.stdout


def test_deploy_run__retried_step_with_the_same_key__nothing_new_and_command_not_rerun(
    admin: Cli, pipeline: Cli, live_server: LiveServer, tmp_path: Path
) -> None:
    # Given a deploy step that leaves a mark each time it runs
    add_service(admin, live_server, "retry-api", None)
    marks = tmp_path / "marks"
    step = ["deploy", "run", "-s", "retry-api", "-v", "3.1.0", "-e", "staging", "--commit", SHA,
            "--", PYTHON, "-c", f"open({str(marks)!r}, 'a').write('x')"]  # fmt: skip
    # When CI retries the step within the same job attempt
    first = pipeline(*step, **github("7001"))
    again = pipeline(*step, **github("7001"))
    # Then one deployment was recorded and the command ran once
    assert (first.exit_code, again.exit_code) == (0, 0), again.stderr
    assert "already succeeded" in again.stderr
    assert marks.read_text() == "x"
    page = as_json(pipeline.ok("deployments", "list", "-s", "retry-api", "--json"))
    assert len(page["items"]) == 1
    assert page["items"][0]["idempotency_key"] == "github:7001:1:deploy:retry-api:staging:3.1.0"
    # and "Re-run jobs" (a new attempt) is a new deployment
    assert pipeline(*step, **github("7001", attempt="2")).exit_code == 0
    assert marks.read_text() == "xx"


def test_deploy_run__retried_after_the_command_failed__still_failed_not_rerun(
    admin: Cli, pipeline: Cli, live_server: LiveServer, tmp_path: Path
) -> None:
    add_service(admin, live_server, "retry-fail-api", None)
    marks = tmp_path / "marks"
    code = f"import sys; open({str(marks)!r}, 'a').write('x'); sys.exit(3)"
    step = ["deploy", "run", "-s", "retry-fail-api", "-v", "1.0.0", "-e", "staging",
            "--commit", SHA, "--", PYTHON, "-c", code]  # fmt: skip
    assert pipeline(*step, **github("7002")).exit_code == 3
    again = pipeline(*step, **github("7002"))
    assert again.exit_code == 1
    assert "already failed" in again.stderr
    assert marks.read_text() == "x"


def test_deploy_run__command_fails__its_exit_code_failed_with_the_log_tail(
    admin: Cli, pipeline: Cli, live_server: LiveServer
) -> None:
    add_service(admin, live_server, "failing-api", None)
    code = "import sys\nfor i in range(300): print('line', i)\nsys.exit(7)"
    result = pipeline("deploy", "run", "-s", "failing-api", "-v", "1.0.0", "-e", "staging",
                      "--commit", SHA, "--", PYTHON, "-c", code)  # fmt: skip
    assert result.exit_code == 7
    assert "line 0\n" in result.stdout and "line 299\n" in result.stdout  # streamed, all of it
    page = as_json(pipeline.ok("deployments", "list", "-s", "failing-api", "--json"))
    deployment = pipeline.ok("deployments", "get", str(page["items"][0]["id"]), "--json")
    failed = as_json(deployment)
    assert (failed["status"], failed["reason"]) == ("failed", "the command exited with code 7")
    assert failed["log_excerpt"].endswith("line 299")
    assert "line 99\n" not in failed["log_excerpt"]  # the last 200 lines only
    assert failed["duration_ms"] >= 0


def test_deploy_run__interrupted__forwarded_and_recorded_as_interrupted(
    admin: Cli, pipeline: Cli, live_server: LiveServer
) -> None:
    # Given a deploy command during which the pipeline is cancelled (SIGINT to premiere)
    add_service(admin, live_server, "cancel-api", None)
    script = "echo started; kill -INT $PPID; sleep 5; echo not-reached"
    result = pipeline("deploy", "run", "-s", "cancel-api", "-v", "1.0.0", "-e", "staging",
                      "--commit", SHA, "--", "sh", "-c", script)  # fmt: skip
    # Then the command was stopped, and the deployment recorded as interrupted
    assert result.exit_code == 130, (result.stdout, result.stderr)
    assert "not-reached" not in result.stdout
    page = as_json(pipeline.ok("deployments", "list", "-s", "cancel-api", "--json"))
    assert (page["items"][0]["status"], page["items"][0]["reason"]) == ("failed", "interrupted")


def test_start_finish__report_around_own_steps__verified_and_history(
    admin: Cli, pipeline: Cli, live_server: LiveServer, probe: str, tmp_path: Path
) -> None:
    add_service(admin, live_server, "report-api", f"{probe}/health")
    started = pipeline.ok("deployments", "start", "-s", "report-api", "-v", "5.0.0",
                          "-e", "staging", "--commit", SHA, "--features", "a-flag,b-flag",
                          "--quiet")  # fmt: skip
    deployment_id = started.stdout.strip()
    assert deployment_id.isdigit()
    log = tmp_path / "deploy.log"
    log.write_text("step 1\nstep 2\n")
    finished = pipeline("deployments", "finish", deployment_id, "--outcome", "succeeded",
                        "--log-file", str(log))  # fmt: skip
    assert finished.exit_code == 0, finished.stderr
    assert "passed" in finished.stdout
    shown = as_json(pipeline.ok("deployments", "get", deployment_id, "--json"))
    assert (shown["status"], shown["log_excerpt"]) == ("succeeded", "step 1\nstep 2")
    assert shown["features"] == ["a-flag", "b-flag"]
    # A second version that failed, reported as such: exit 0, it recorded what was said
    second = pipeline.ok("deployments", "start", "-s", "report-api", "-v", "5.0.1",
                         "-e", "staging", "--commit", SHA, "--quiet").stdout.strip()  # fmt: skip
    pipeline.ok("deployments", "finish", second, "--outcome", "failed", "--reason", "helm timeout")
    history = as_json(pipeline.ok("deployments", "history", "-s", "report-api", "-e", "staging",
                                  "--json"))  # fmt: skip
    assert [(d["version"], d["status"]) for d in history] == [("5.0.1", "failed"),
                                                             ("5.0.0", "succeeded")]  # fmt: skip
    only_failed = pipeline.ok("deployments", "history", "-s", "report-api", "-e", "staging",
                              "--status", "failed").stdout  # fmt: skip
    assert "5.0.1" in only_failed and "5.0.0" not in only_failed and "helm timeout" in only_failed


def test_record__after_the_fact__succeeded_and_idempotent(
    admin: Cli, pipeline: Cli, live_server: LiveServer
) -> None:
    add_service(admin, live_server, "record-api", None)
    step = ("deployments", "record", "-s", "record-api", "-v", "9.9.9", "-e", "production",
            "--commit", SHA, "--idempotency-key", "release-9.9.9", "--json")  # fmt: skip
    first = as_json(pipeline.ok(*step))
    again = as_json(pipeline.ok(*step))
    assert first["id"] == again["id"]
    assert (first["status"], first["verified"]) == ("succeeded", True)
    # The same key for other data is a conflict (exit 4)
    other = pipeline("deployments", "record", "-s", "record-api", "-v", "9.9.10",
                     "-e", "production", "--commit", SHA,
                     "--idempotency-key", "release-9.9.9")  # fmt: skip
    assert other.exit_code == 4
    # A failure reported after the fact is recorded, and the step succeeds
    failed = pipeline("deployments", "record", "-s", "record-api", "-v", "9.9.11", "-e",
                      "production", "--commit", SHA, "--status", "failed", "--reason", "disk full",
                      "--json")  # fmt: skip
    assert failed.exit_code == 0, failed.stderr
    assert (as_json(failed)["status"], as_json(failed)["reason"]) == ("failed", "disk full")
    quiet = pipeline.ok("deployments", "record", "-s", "record-api", "-v", "9.9.12", "-e",
                        "production", "--commit", SHA, "--quiet")  # fmt: skip
    assert quiet.stdout.strip().isdigit()


def test_rollback__run__previous_version_redeployed(
    admin: Cli, pipeline: Cli, live_server: LiveServer
) -> None:
    add_service(admin, live_server, "rollback-api", None)
    for version in ("1.0.0", "1.1.0"):
        pipeline.ok("deploy", "run", "-s", "rollback-api", "-v", version, "-e", "production",
                    "--commit", SHA, "--", PYTHON, "-c", "pass")  # fmt: skip
    result = pipeline("deployments", "rollback", "-s", "rollback-api", "-e", "production",
                      "--reason", "errors", "--json", "--run", "--",
                      "sh", "-c", 'echo "redeploying $PREMIERE_VERSION"')  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "redeploying 1.0.0" in result.stderr
    redeployed = as_json(result)
    assert (redeployed["version"], redeployed["status"]) == ("1.0.0", "succeeded")
    history = as_json(pipeline.ok("deployments", "history", "-s", "rollback-api",
                                  "-e", "production", "--json"))  # fmt: skip
    assert [d["status"] for d in history] == ["succeeded", "rolled_back", "succeeded"]


def test_promote__without_run__pending_then_finish(
    admin: Cli, pipeline: Cli, live_server: LiveServer
) -> None:
    add_service(admin, live_server, "promote-api", None)
    pipeline.ok("deploy", "run", "-s", "promote-api", "-v", "4.2.0", "-e", "staging",
                "--commit", SHA, "--", PYTHON, "-c", "pass")  # fmt: skip
    promoted = pipeline.ok("deployments", "promote", "-s", "promote-api", "--from", "staging",
                           "--to", "production", "--quiet")  # fmt: skip
    deployment_id = promoted.stdout.strip()
    shown = as_json(pipeline.ok("deployments", "get", deployment_id, "--json"))
    assert (shown["version"], shown["status"]) == ("4.2.0", "pending")
    lagging = pipeline.ok("deployments", "matrix", "--service", "promote-api").stdout
    assert "production: 1 version behind staging" in lagging
    finished = pipeline.ok("deployments", "finish", deployment_id, "--outcome", "succeeded", "-q")
    assert finished.stdout == "succeeded\n"
    assert as_json(pipeline.ok("deployments", "get", deployment_id, "--json"))["verified"]


def test_checks__add_list_remove__http_and_command(admin: Cli, pipeline: Cli, probe: str) -> None:
    admin.ok("services", "create", "checked-api")
    admin.ok("deployments", "checks", "add", "db", "-s", "checked-api", "--env", "production",
             "--http", f"{probe}/health", "--json-field", 'status="ok"',
             "--retries", "2")  # fmt: skip
    admin.ok("deployments", "checks", "add", "smoke", "-s", "checked-api",
             "--command", f"{PYTHON} -c 'print(1)'", "--timeout", "10")  # fmt: skip
    listed = as_json(pipeline.ok("deployments", "checks", "list", "-s", "checked-api", "--json"))
    by_key = {c["key"]: c for c in listed}
    assert by_key["db"]["json_field"] == {"path": "status", "equals": "ok"}
    assert (by_key["db"]["environment"], by_key["db"]["retries"]) == ("production", 2)
    assert by_key["smoke"]["argv"] == [PYTHON, "-c", "print(1)"]
    table = pipeline.ok("deployments", "checks", "list", "-s", "checked-api").stdout
    assert 'status 200, status = "ok"' in table and "exit 0" in table
    # A deploy token may read checks, not change them
    refused = pipeline("deployments", "checks", "remove", "db", "-s", "checked-api")
    assert refused.exit_code == 6
    admin.ok("deployments", "checks", "remove", "db", "-s", "checked-api")
    left = as_json(pipeline.ok("deployments", "checks", "list", "-s", "checked-api", "--json"))
    assert [c["key"] for c in left] == ["smoke"]
    both = admin("deployments", "checks", "add", "x", "-s", "checked-api")
    assert both.exit_code == 2


def test_dark_code__flag_off_where_its_code_runs__listed(
    admin: Cli, pipeline: Cli, live_server: LiveServer
) -> None:
    # Given a flag, off in production, whose code a verified production deployment carries
    add_service(admin, live_server, "dark-api", None)
    admin.ok("flags", "create", "dormant-feature")
    pipeline.ok("deployments", "record", "-s", "dark-api", "-v", "1.0.0", "-e", "production",
                "--commit", SHA, "--features", "dormant-feature")  # fmt: skip
    # Then dark-code lists it, as JSON and as a table
    report = as_json(pipeline.ok("deployments", "dark-code", "--json"))
    assert report["environment"] == "production"
    item = next(i for i in report["items"] if i["flag"] == "dormant-feature")
    assert (item["reason"], item["services"]) == ("off", ["dark-api"])
    table = pipeline.ok("deployments", "dark-code").stdout
    assert "Dark code in production" in table
    assert re.search(r"dormant-feature\s.*off\s.*dark-api", table), table


def test_deploy_run__usage_errors__exit_2(pipeline: Cli) -> None:
    no_command = pipeline("deploy", "run", "-s", "x", "-v", "1", "-e", "staging", "--commit", SHA)
    assert no_command.exit_code == 2
    stray = pipeline("deployments", "promote", "-s", "x", "--from", "a", "--to", "b", "--", "ls")
    assert stray.exit_code == 2 and "--run" in stray.stderr


def test_deploy_run__without_token_scope__auth_exit_code(admin: Cli) -> None:
    sdk = admin.ok("tokens", "create", "--scope", "sdk-server", "--project", PROJECT,
                   "--environment", "staging", "--quiet").stdout.strip()  # fmt: skip
    result = admin("deployments", "list", PREMIERE_TOKEN=sdk)
    assert result.exit_code == 6
