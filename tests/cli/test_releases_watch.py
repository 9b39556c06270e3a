"""`premiere releases watch` and the release actions, against a server that answers a
scripted sequence."""

from __future__ import annotations

import io
import json
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner
from rich.console import Console

from premiere.cli.client import ApiClient
from premiere.cli.exits import BadUsage
from premiere.cli.main import cli
from premiere.cli.releases import actions as release_actions
from premiere.cli.releases import watch as release_watch
from premiere.cli.releases.remote import ProjectApi
from premiere.cli.releases.views import show_release
from premiere.cli.releases.watch import watch_release

# -- watch, against a server that answers a sequence of states ------------------------------


def _release(state: str, stage: int | None, hold: str | None = None) -> dict[str, Any]:
    stages = [{"segment": "staff", "percent": None}, {"segment": None, "percent": 50},
              {"segment": None, "percent": 100}]  # fmt: skip
    transition = {"at": f"2026-11-26T13:00:0{stage or 0}Z", "reason": None}
    return {"key": "rel", "state": state, "stage": stage, "hold_until": hold,
            "plan": {"stages": stages}, "last_transition": transition}  # fmt: skip


def _watch(answers: list[Any], **options: Any) -> int:
    """Runs the watch against a server answering ``answers`` in turn; its exit code."""
    remaining = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        item = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(item, BaseException):
            raise item
        return httpx.Response(200, json=item)

    client = ApiClient("http://premiere.test", "t", transport=httpx.MockTransport(answer))
    api = ProjectApi(client, "demo")
    settings = {"interval": 0.01, "timeout": None, "as_json": False, **options}
    with click.Context(click.Command("watch")):
        try:
            watch_release(api, "rel", **settings)
        except click.exceptions.Exit as done:
            return done.exit_code
    return 0


def test_watch__not_a_terminal__one_plain_line_per_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hold = "2026-11-26T13:00:05.000000Z"
    answers = [_release("rolling_out", 0, hold), _release("rolling_out", 0, hold),
               _release("rolling_out", 1), _release("released", 2)]  # fmt: skip
    assert _watch(answers) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-11-26 13:00:00  rolling_out  stage 1/3 (staff)  hold until 2026-11-26 13:00:05",
        "2026-11-26 13:00:01  rolling_out  stage 2/3 (50%)",
        "2026-11-26 13:00:02  released  stage 3/3 (100%)",
    ]


def test_watch__terminal__live_line_and_changes_above_it(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(release_watch, "console", lambda stderr=False: terminal)
    assert _watch([_release("rolling_out", 0), _release("rolled_back", 0)]) == 1
    shown = screen.getvalue()
    assert "rolling_out  stage 1/3 (staff)" in shown
    assert "rolled_back  stage 1/3 (staff)" in shown
    assert "\x1b[" in shown  # drawn, not printed plainly


def test_watch__until_stage__stops_there(capsys: pytest.CaptureFixture[str]) -> None:
    answers = [_release("rolling_out", 0), _release("rolling_out", 1), _release("released", 2)]
    assert _watch(answers, until_stage="50%") == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("stage 2/3 (50%)")
    with pytest.raises(BadUsage, match="the plan has staff, 50%, 100%"):
        _watch(answers, until_stage="25%")


def test_watch__until_stage_written_otherwise__same_percentage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = [_release("rolling_out", 0), _release("rolling_out", 1), _release("released", 2)]
    assert _watch(answers, until_stage="50.0 %") == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("stage 2/3 (50%)")


def test_watch__json_and_timeout__json_lines_exit_11(capsys: pytest.CaptureFixture[str]) -> None:
    assert _watch([_release("paused", 1)], as_json=True, timeout=0.05) == 11
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["state"] for line in lines] == ["paused"]


def test_watch__ctrl_c__exit_130_and_the_release_goes_on() -> None:
    with pytest.raises(release_watch.StoppedWatching) as stopped:
        _watch([_release("rolling_out", 0), KeyboardInterrupt()])
    assert stopped.value.exit_code == 130
    assert "premiere releases get rel" in stopped.value.message


@pytest.mark.parametrize(("action", "retried"), [("pause", True), ("rollback", True),
                                                 ("advance", False), ("start", False)])  # fmt: skip
def test_releases_action__version_conflict__only_pause_and_rollback_sent_again(
    action: str, retried: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a release the scheduler changes once between our GET and our POST
    posts: list[dict[str, Any]] = []
    versions = iter([3, 4])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            version = next(versions)
            return httpx.Response(200, json={"key": "rel", "version": version},
                                  headers={"ETag": f'"{version}"'})  # fmt: skip
        posts.append(json.loads(request.content))
        if len(posts) == 1:
            error = {"code": "version_conflict", "message": "changed", "details": {}}
            return httpx.Response(409, json={"error": error})
        return httpx.Response(200, json={"key": "rel", "state": "paused", "version": 5})

    client = ApiClient("http://premiere.test", "t", transport=httpx.MockTransport(answer))
    monkeypatch.setattr(release_actions, "project_api", lambda: ProjectApi(client, "demo"))
    # When the command runs
    result = CliRunner().invoke(cli, ["releases", action, "rel"], catch_exceptions=False)
    # Then a safe action went again against the new version; the others were refused
    assert result.exit_code == (0 if retried else 4)
    assert [p["version"] for p in posts] == ([3, 4] if retried else [3])


# -- a stage that advances by hand: what the watch and `get` say it waits for -------------


def _manual(release: dict[str, Any]) -> dict[str, Any]:
    for stage in release["plan"]["stages"]:
        stage["advance"] = "manual"
    return release


def test_watch__manual_stage__says_it_waits_for_advance_not_for_its_hold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hold = "2026-11-26T13:00:05.000000Z"
    answers = [_manual(_release("rolling_out", 0, hold)), _manual(_release("rolled_back", 0))]
    assert _watch(answers) == 1
    assert capsys.readouterr().out.splitlines() == [
        "2026-11-26 13:00:00  rolling_out  stage 1/3 (staff)  waits for: premiere releases advance",
        "2026-11-26 13:00:00  rolled_back  stage 1/3 (staff)",
    ]


def test_release_view__manual_stage__next_stage_when_advanced_instead_of_hold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hold = "2026-11-26T13:00:05.000000Z"
    show_release(_manual(_release("rolling_out", 1, hold)))
    shown = capsys.readouterr().out
    assert "when you run: premiere releases advance rel" in shown
    assert "hold until" not in shown
    show_release(_release("rolling_out", 1, hold))  # an automatic stage keeps its hold
    assert "hold until   2026-11-26 13:00:05" in capsys.readouterr().out
