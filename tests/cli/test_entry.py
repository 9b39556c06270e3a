"""The console script without the server extras: one line, no traceback."""

from __future__ import annotations

import subprocess
import sys

BLOCKING = """
import sys
from importlib.abc import MetaPathFinder

class Block(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Block())
for loaded in [m for m in sys.modules if m.partition(".")[0] == {blocked!r}]:
    del sys.modules[loaded]
sys.argv = ["premiere", *{args!r}]
from premiere.cli.entry import main
main()
"""


def _run(blocked: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKING.format(blocked=blocked, args=list(args or ["--help"]))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_entry__click_missing__one_line_naming_the_server_extras() -> None:
    result = _run("click")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "premiere[server]" in lines[0] and "'click'" in lines[0]


def test_entry__base_dependency_missing__raised_as_it_is() -> None:
    # httpx is not a server extra: a broken install, shown in full (by a command that
    # uses it: --help alone does not)
    result = _run("httpx", "flags", "list")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ModuleNotFoundError" in result.stderr
    assert "premiere[server]" not in result.stderr


def test_entry__extra_missing_for_one_command__one_line_when_that_command_runs() -> None:
    # rich (an extra) is imported by the commands that print tables, not by --help
    assert _run("rich").returncode == 0
    result = _run("rich", "flags", "list")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "premiere: the command needs the server extras (missing module 'rich'); "
        "install them with: pip install 'premiere[server]'"
    ]


def test_entry__nothing_missing__runs_the_command() -> None:
    result = _run("no_such_module")
    assert result.returncode == 0, result.stderr
    assert "Usage: premiere" in result.stdout
