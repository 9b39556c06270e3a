"""The deployment command runner on its own, and how `deploy run` shows its output."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from premiere.cli.deployments import flow as deploy_flow
from premiere.cli.deployments.run import RunOutcome, Tail, run_command

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and signals")


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def run(
    argv: list[str], env: dict[str, str] | None = None, **kwargs: object
) -> tuple[RunOutcome, list[str]]:
    lines: list[str] = []
    outcome = run_command(argv, env={**os.environ, **(env or {})}, on_line=lines.append, **kwargs)  # type: ignore[arg-type]
    return outcome, lines


# -- the runner ---------------------------------------------------------------------------


def test_run_command__output_and_exit_code__streamed_in_order_and_kept(tmp_path: object) -> None:
    outcome, lines = run(sh('echo one; echo two >&2; printf "50%%\\r100%%\\n"; exit 3'))
    assert lines == ["one", "two", "100%"]
    assert (outcome.exit_code, outcome.succeeded) == (3, False)
    assert outcome.log_excerpt == "one\ntwo\n100%"
    assert outcome.reason == "the command exited with code 3"
    assert outcome.duration_ms >= 0


def test_run_command__environment__given_to_the_command() -> None:
    outcome, lines = run(sh('echo "$PREMIERE_SERVICE@$PREMIERE_VERSION"'),
                         env={"PREMIERE_SERVICE": "api", "PREMIERE_VERSION": "1.4.2"})  # fmt: skip
    assert lines == ["api@1.4.2"]
    assert outcome.succeeded and outcome.reason is None


def test_run_command__lines_as_they_come__not_at_the_end(tmp_path: Path) -> None:
    # Given a command that prints, then goes on only once its line has been seen (or gives
    # up after 10 s and says so)
    go = tmp_path / "go"
    script = (f'echo first; i=0; while [ ! -e "{go}" ] && [ $i -lt 1000 ]; do sleep 0.01; '
              f'i=$((i + 1)); done; [ -e "{go}" ] && echo second || echo gave-up')  # fmt: skip
    seen: list[str] = []

    def on_line(line: str) -> None:
        seen.append(line)
        if line == "first":
            go.touch()

    run_command(sh(script), env=dict(os.environ), on_line=on_line)
    # Then the first line arrived while the command still ran
    assert seen == ["first", "second"]


def test_tail__long_log__keeps_the_last_lines_within_budget() -> None:
    tail = Tail(max_lines=3, max_chars=1000)
    for n in range(10):
        tail.add(f"line {n}")
    assert (tail.text(), tail.truncated) == ("line 7\nline 8\nline 9", True)
    chars = Tail(max_lines=100, max_chars=20)
    for n in range(10):
        chars.add(f"line {n}")
    assert chars.text() == "line 7\nline 8\nline 9"


def test_run_command__missing_command__127_with_reason() -> None:
    outcome, lines = run(["premiere-no-such-command-xyz"])
    assert (outcome.exit_code, outcome.succeeded) == (127, False)
    assert outcome.reason == "command not found: premiere-no-such-command-xyz"
    assert lines == []


def test_run_command__not_executable__126(tmp_path: object) -> None:
    outcome, _ = run([os.devnull])
    assert outcome.exit_code == 126
    assert outcome.reason is not None and outcome.reason.startswith("cannot run")


def test_run_command__killed_by_signal__128_plus_signal() -> None:
    outcome, _ = run(sh("kill -TERM $$"))
    assert outcome.exit_code == 128 + signal.SIGTERM


def test_run_command__sigint__forwarded_to_the_command_and_reported() -> None:
    # Given a command that traps SIGINT, says so and exits 130
    script = 'trap "echo got INT; exit 130" INT; echo ready; while :; do sleep 0.1; done'
    lines: list[str] = []
    own_handler = signal.getsignal(signal.SIGINT)  # a test runner's worker may ignore it

    def on_line(line: str) -> None:
        lines.append(line)
        if line == "ready":  # When this process receives Ctrl-C
            os.kill(os.getpid(), signal.SIGINT)

    outcome = run_command(sh(script), env=dict(os.environ), on_line=on_line)
    # Then the command got it, and the outcome says interrupted
    assert lines == ["ready", "got INT"]
    assert (outcome.exit_code, outcome.interrupted, outcome.reason) == (
        130,
        "SIGINT",
        "interrupted",
    )
    # and this process's own handler is back
    assert signal.getsignal(signal.SIGINT) is own_handler


def test_run_command__second_signal__kills_the_command() -> None:
    # Given a command that ignores SIGTERM
    script = 'trap "echo ignoring" TERM; echo ready; while :; do sleep 0.1; done'

    def on_line(line: str) -> None:
        if line == "ready":
            os.kill(os.getpid(), signal.SIGTERM)
        if line == "ignoring":
            os.kill(os.getpid(), signal.SIGTERM)

    outcome = run_command(sh(script), env=dict(os.environ), on_line=on_line)
    assert outcome.exit_code == 128 + signal.SIGKILL
    assert outcome.interrupted == "SIGTERM"


def test_run_command__background_grandchild_holds_the_pipe__returns_after_exit() -> None:
    started = time.monotonic()
    outcome, lines = run(sh("sleep 20 >/dev/null 2>&1 & echo started; sleep 20 &"))
    assert time.monotonic() - started < 5
    assert lines == ["started"] and outcome.exit_code == 0


def test_run_command__python_child__unbuffered_lines(tmp_path: object) -> None:
    code = "import time\nfor i in range(3):\n    print(i, flush=True)\n"
    outcome, lines = run([sys.executable, "-c", code])
    assert lines == ["0", "1", "2"] and outcome.succeeded


# -- how `deploy run` shows the command's output -------------------------------------------

DEPLOYMENT = {"id": 7, "project": "demo", "service": "api", "version": "1.4.2",
              "environment": "staging", "commit_sha": "abc1234"}  # fmt: skip


def test_run__terminal__spinner_with_elapsed_time_and_lines_above_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a terminal
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(deploy_flow, "console", lambda stderr=False: terminal)
    # When a command prints while it runs for more than a second
    outcome = deploy_flow._run(DEPLOYMENT, sh("echo one; sleep 1.2; echo two"), to_stderr=False)
    # Then its lines were printed, and the status showed what deploys and for how long
    shown = screen.getvalue()
    assert outcome.succeeded
    assert "one" in shown and "two" in shown
    assert "Deploying api 1.4.2 to staging · 1s" in shown


def test_run__not_a_terminal__plain_lines_and_the_variables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    script = 'echo "$PREMIERE_DEPLOYMENT_ID $PREMIERE_PROJECT $PREMIERE_SERVICE $PREMIERE_VERSION"'
    script += '; echo "$PREMIERE_ENVIRONMENT $PREMIERE_COMMIT"'
    deploy_flow._run(DEPLOYMENT, sh(script), to_stderr=False)
    assert capsys.readouterr().out == "7 demo api 1.4.2\nstaging abc1234\n"


def test_waiting__ctrl_c__stopped_waiting_exit_130_naming_the_deployment() -> None:
    with pytest.raises(deploy_flow.StoppedWaiting) as stopped, deploy_flow.waiting(42):
        raise KeyboardInterrupt
    assert stopped.value.exit_code == 130
    assert "premiere deployments get 42" in stopped.value.message
