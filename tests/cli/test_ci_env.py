"""What CI variables say (cli/deployments/ci_env.py): the commit, the run's URL and the
idempotency key of a pipeline step."""

from __future__ import annotations

from premiere.cli.deployments import ci_env

from .conftest import github


def test_ci_env__github_actions__commit_run_url_and_key() -> None:
    env = {"GITHUB_SHA": "abc1234", **github("99", attempt="3")}
    env = {k: v for k, v in env.items() if v is not None}
    assert ci_env.commit_sha(env) == "abc1234"
    assert ci_env.pipeline_url(env) == "https://github.com/acme/shop/actions/runs/99"
    key = ci_env.idempotency_key(None, env, "api", "staging", "1.0")
    assert key == "github:99:3:deploy:api:staging:1.0"
    assert ci_env.idempotency_key("mine", env, "api") == "mine"


def test_ci_env__gitlab__commit_time_job_url_and_key() -> None:
    env = {
        "CI_COMMIT_SHA": "def5678",
        "CI_COMMIT_TIMESTAMP": "2026-11-26T10:00:00+00:00",
        "CI_PIPELINE_ID": "12",
        "CI_JOB_ID": "345",
        "CI_JOB_URL": "https://gl/j/345",
    }
    assert ci_env.commit_sha(env) == "def5678"
    assert ci_env.commit_time(env, "def5678") == "2026-11-26T10:00:00+00:00"
    assert ci_env.pipeline_url(env) == "https://gl/j/345"
    assert ci_env.idempotency_key(None, env, "promote", "api") == "gitlab:12:345:promote:api"


def test_ci_env__outside_ci__no_key_and_long_keys_shortened() -> None:
    assert ci_env.idempotency_key(None, {}, "api") is None
    env = {"CI_PIPELINE_ID": "1", "CI_JOB_ID": "2"}
    key = ci_env.idempotency_key(None, env, "x" * 300)
    assert key is not None and len(key) <= 200 and key.startswith("gitlab:1:2:")
    assert key == ci_env.idempotency_key(None, env, "x" * 300)  # stable
