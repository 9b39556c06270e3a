"""What a CI job's environment says about the deployment it performs.

GitHub Actions and GitLab CI set variables that name the commit, the pipeline and
the job; the deployment commands use them as defaults, so a pipeline step needs
only ``--service``, ``--version`` and ``--env``.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping

MAX_KEY = 200  # what the API accepts


def commit_sha(env: Mapping[str, str]) -> str | None:
    """GITHUB_SHA, CI_COMMIT_SHA, or ``git rev-parse HEAD`` here."""
    return env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA") or _git("rev-parse", "HEAD")


def commit_time(env: Mapping[str, str], sha: str) -> str | None:
    """CI_COMMIT_TIMESTAMP, or the commit's committer date from git (RFC 3339)."""
    return env.get("CI_COMMIT_TIMESTAMP") or _git("show", "-s", "--format=%cI", sha)


def pipeline_url(env: Mapping[str, str]) -> str | None:
    """The URL of this run: GitHub's run page, or GitLab's CI_JOB_URL / CI_PIPELINE_URL."""
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL") or None


def job_id(env: Mapping[str, str]) -> str | None:
    """This CI job, retried or not: ``github:<run id>:<attempt>:<job>`` or
    ``gitlab:<pipeline id>:<job id>``; None outside CI."""
    if env.get("GITHUB_RUN_ID"):
        attempt = env.get("GITHUB_RUN_ATTEMPT", "1")
        return f"github:{env['GITHUB_RUN_ID']}:{attempt}:{env.get('GITHUB_JOB', '')}"
    if env.get("CI_PIPELINE_ID") and env.get("CI_JOB_ID"):
        return f"gitlab:{env['CI_PIPELINE_ID']}:{env['CI_JOB_ID']}"
    return None


def idempotency_key(explicit: str | None, env: Mapping[str, str], *parts: str) -> str | None:
    """``explicit``, else the CI job id plus ``parts`` (what is deployed where), else None.

    The parts keep two deployments made by one job (two services, or a deployment
    and a promotion) apart, while a retried step of the same job sends the same key.
    """
    if explicit:
        return explicit
    job = job_id(env)
    if job is None:
        return None
    key = ":".join([job, *parts])
    if len(key) > MAX_KEY:
        key = f"{job[:100]}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None
