"""`premiere scan` on a tree the test writes: table, JSON, keys only, options, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from premiere.cli.main import cli


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", *args], catch_exceptions=False)


def tree(root: Path) -> Path:
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text('a = client.variation("checkout-v2", c)\n\nb = 1\n')
    (root / "src" / "ui.tsx").write_text("const on = useFlag('dark-mode')\n")
    (root / "src" / "legacy.rb").write_text("Features.on?(:old_search)\n")
    (root / "vendor").mkdir()
    (root / "vendor" / "lib.py").write_text('client.variation("vendored", c)\n')
    return root


def test_scan__table__keys_with_file_and_line(tmp_path: Path) -> None:
    result = scan(str(tree(tmp_path)))
    assert result.exit_code == 0, result.stderr
    assert "checkout-v2" in result.stdout and "src/app.py:1" in result.stdout
    assert "dark-mode" in result.stdout and "src/ui.tsx:1" in result.stdout
    assert "3 keys, 3 references in 3 files read." in result.stdout


def test_scan__json__keys_and_references(tmp_path: Path) -> None:
    data = json.loads(scan(str(tree(tmp_path)), "--json").stdout)
    assert [k["key"] for k in data["keys"]] == ["checkout-v2", "dark-mode", "vendored"]
    assert data["keys"][0]["references"] == [
        {"path": "src/app.py", "line": 1, "language": "python"}
    ]


def test_scan__keys_pattern_exclude__one_key_a_line(tmp_path: Path) -> None:
    result = scan(str(tree(tmp_path)), "--keys", "--pattern", r"Features\.on\?\(:(\w+)\)",
                  "--exclude", "vendor/")  # fmt: skip
    assert result.stdout.splitlines() == ["checkout-v2", "dark-mode", "old_search"]


def test_scan__gitignore_and_no_gitignore(tmp_path: Path) -> None:
    (tree(tmp_path) / ".gitignore").write_text("vendor/\n")
    assert "vendored" not in scan(str(tmp_path), "--keys").stdout
    assert "vendored" in scan(str(tmp_path), "--keys", "--no-gitignore").stdout


def test_scan__config_option__file_elsewhere(tmp_path: Path) -> None:
    config = tmp_path / "scan.toml"
    config.write_text("exclude = ['src/*.tsx']\n")
    result = scan(str(tree(tmp_path)), "--keys", "--config", str(config))
    assert result.stdout.splitlines() == ["checkout-v2", "vendored"]


def test_scan__bad_pattern__usage_error(tmp_path: Path) -> None:
    result = scan(str(tmp_path), "--pattern", "no-group")
    assert result.exit_code == 2
    assert "needs exactly one" in result.stderr


def test_scan__nothing_found__says_so(tmp_path: Path) -> None:
    result = scan(str(tmp_path))
    assert result.exit_code == 0
    assert "No flag keys." in result.stdout
