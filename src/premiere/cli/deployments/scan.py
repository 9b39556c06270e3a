"""Find the flag keys a source tree uses: a pure scanner with no network and no output.

``scan(root, config)`` walks ``root``, reads each source file once and applies the
built-in patterns of its language (:mod:`.scan_patterns`) and any configured patterns
(to every text file). It skips version-control, dependency and virtual-environment
directories, what ``.gitignore`` files and ``exclude`` globs name, binary files and
files larger than ``max_file_size``. ``premiere scan`` and ``premiere deploy run
--scan`` both call it.

Configuration comes from ``.premiere-scan.toml`` at the root (or a file given
explicitly)::

    patterns = ['isFeatureOn\\("([a-z0-9-]+)"\\)']   # one group: the key
    exclude = ["tests/fixtures/**", "*.min.js"]      # .gitignore-style globs
    languages = ["python", "javascript", "go", "java"]
    max_file_size = 1048576                           # bytes
    gitignore = true
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from premiere.cli.deployments.scan_patterns import BY_SUFFIX, LANGUAGES, SKIPPED_DIRECTORIES, key_of

CONFIG_FILE = ".premiere-scan.toml"
DEFAULT_MAX_FILE_SIZE = 1024 * 1024
BINARY_PROBE = 8192
CUSTOM = "custom"


class ScanError(ValueError):
    """A bad pattern or configuration file; the message says which and why."""


@dataclass(frozen=True)
class ScanConfig:
    patterns: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = tuple(lang.name for lang in LANGUAGES)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    gitignore: bool = True

    def with_options(
        self,
        *,
        patterns: Sequence[str] = (),
        exclude: Sequence[str] = (),
        gitignore: bool | None = None,
    ) -> ScanConfig:
        """This configuration plus command-line patterns and excludes."""
        return replace(
            self,
            patterns=self.patterns + tuple(compile_pattern(p) for p in patterns),
            exclude=self.exclude + tuple(exclude),
            gitignore=self.gitignore if gitignore is None else gitignore,
        )


@dataclass(frozen=True, order=True)
class Reference:
    """One use of a flag key: where (path relative to the root, POSIX form) and how."""

    path: str
    line: int
    key: str
    language: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "language": self.language}


@dataclass
class ScanResult:
    root: str
    references: list[Reference] = field(default_factory=list)
    files_scanned: int = 0
    files_skipped: int = 0

    def flag_keys(self) -> list[str]:
        return sorted({r.key for r in self.references})

    def to_dict(self) -> dict[str, Any]:
        by_key: dict[str, list[dict[str, Any]]] = {}
        for ref in sorted(self.references):
            by_key.setdefault(ref.key, []).append(ref.to_dict())
        return {
            "root": self.root,
            "files_scanned": self.files_scanned,
            "files_skipped": self.files_skipped,
            "keys": [{"key": k, "references": by_key[k]} for k in sorted(by_key)],
        }


def compile_pattern(text: str) -> re.Pattern[str]:
    """A user's pattern: a valid regex with exactly one group (or a group named ``key``)."""
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise ScanError(f"pattern {text!r} is not a valid regular expression: {exc}") from None
    if pattern.groups != 1 and "key" not in pattern.groupindex:
        raise ScanError(
            f"pattern {text!r} has {pattern.groups} groups; it needs exactly one, "
            "around the flag key (use (?:...) for the others)"
        )
    return pattern


def load_config(root: Path, config_file: Path | None = None) -> ScanConfig:
    """The configuration in ``config_file``, else ``root/.premiere-scan.toml``, else defaults."""
    if config_file is None:
        base = root if root.is_dir() else root.parent
        config_file = base / CONFIG_FILE
        if not config_file.is_file():
            return ScanConfig()
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScanError(f"cannot read {config_file}: {exc}") from None
    return _config_from(data, str(config_file))


def _config_from(data: dict[str, Any], source: str) -> ScanConfig:
    known = {"patterns", "exclude", "languages", "max_file_size", "gitignore"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScanError(
            f"{source}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    patterns = _strings(data, "patterns", source)
    exclude = _strings(data, "exclude", source)
    languages = _strings(data, "languages", source) if "languages" in data else None
    names = {lang.name for lang in LANGUAGES}
    for name in languages or []:
        if name not in names:
            raise ScanError(
                f"{source}: unknown language {name!r} (known: {', '.join(sorted(names))})"
            )
    max_size = data.get("max_file_size", DEFAULT_MAX_FILE_SIZE)
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1:
        raise ScanError(f"{source}: max_file_size must be a positive whole number of bytes")
    gitignore = data.get("gitignore", True)
    if not isinstance(gitignore, bool):
        raise ScanError(f"{source}: gitignore must be true or false")
    config = ScanConfig(max_file_size=max_size, gitignore=gitignore)
    if languages is not None:
        config = replace(config, languages=tuple(languages))
    return config.with_options(patterns=patterns, exclude=exclude)


def _strings(data: dict[str, Any], name: str, source: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScanError(f"{source}: {name} must be a list of strings")
    return value


def scan(root: Path, config: ScanConfig | None = None) -> ScanResult:
    """Every flag key reference under ``root`` (a directory or one file)."""
    config = config or ScanConfig()
    result = ScanResult(root=str(root))
    found: set[Reference] = set()
    languages = {lang.name for lang in LANGUAGES if lang.name in config.languages}
    for file_path, relative, size in _files(root, config):
        language = BY_SUFFIX.get(os.path.splitext(relative)[1].lower())
        if language is not None and language.name not in languages:
            language = None
        if language is None and not config.patterns:
            continue
        text = _read_text(file_path, size, config.max_file_size)
        if text is None:
            result.files_skipped += 1
            continue
        result.files_scanned += 1
        if language is not None:
            patterns = [f.pattern for f in language.finders if f.worth_searching(text)]
            found.update(_matches(text, relative, patterns, language.name))
        if config.patterns:
            found.update(_matches(text, relative, config.patterns, CUSTOM))
    result.references = sorted(found)
    return result


def _matches(
    text: str, relative: str, patterns: Iterable[re.Pattern[str]], language: str
) -> Iterator[Reference]:
    for pattern in patterns:
        for match in pattern.finditer(text):
            key = key_of(match)
            if not key:
                continue
            start = match.start("key") if "key" in pattern.groupindex else match.start(1)
            yield Reference(relative, text.count("\n", 0, start) + 1, key, language)


def _read_text(path: str, size: int, max_size: int) -> str | None:
    """The file's text, or None for a file too large, binary or unreadable."""
    if size > max_size:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_size + 1)
    except OSError:
        return None
    if len(data) > max_size or b"\x00" in data[:BINARY_PROBE]:
        return None
    return data.decode("utf-8", errors="replace")


def _files(root: Path, config: ScanConfig) -> Iterator[tuple[str, str, int]]:
    """(path, path relative to root, size) of every file the scan may read."""
    if root.is_file():
        yield str(root), root.name, root.stat().st_size
        return
    if not root.is_dir():
        raise ScanError(f"{root} is neither a file nor a directory")
    ignore = _Ignore()
    if config.exclude:
        ignore.add("", config.exclude)
    stack = [("", str(root))]
    while stack:
        relative_dir, directory = stack.pop()
        subdirectories: list[tuple[str, str]] = []
        yield from _directory(relative_dir, directory, ignore, config.gitignore, subdirectories)
        stack.extend(reversed(subdirectories))


def _directory(
    relative_dir: str,
    directory: str,
    ignore: _Ignore,
    gitignore: bool,
    subdirectories: list[tuple[str, str]],
) -> Iterator[tuple[str, str, int]]:
    """The files of one directory; its subdirectories worth walking go into ``subdirectories``."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    if gitignore and any(e.name == ".gitignore" for e in entries):
        ignore.add(relative_dir, _lines(os.path.join(directory, ".gitignore")))
    for entry in entries:
        relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if _walkable(entry) and not ignore.ignored(relative, is_dir=True):
                    subdirectories.append((relative, entry.path))
            elif entry.is_file() and not ignore.ignored(relative, is_dir=False):
                yield entry.path, relative, entry.stat().st_size
        except OSError:
            continue


def _walkable(entry: os.DirEntry[str]) -> bool:
    if entry.name in SKIPPED_DIRECTORIES:
        return False
    # Any virtual environment, whatever its name.
    return not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def _lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


@dataclass(frozen=True)
class _Rule:
    pattern: str
    negate: bool
    dir_only: bool
    anchored: bool


class _Ignore:
    """The simple part of .gitignore: globs, ``/`` anchoring, ``dir/`` and ``!`` negation."""

    def __init__(self) -> None:
        self._rules: dict[str, list[_Rule]] = {}

    def add(self, base: str, lines: Iterable[str]) -> None:
        rules = self._rules.setdefault(base, [])
        for raw in lines:
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            line = line.removeprefix("!").removeprefix("\\")
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            while line.startswith("**/"):
                line = line[3:]
            anchored = "/" in line
            if line:
                rules.append(_Rule(line.removeprefix("/"), negate, dir_only, anchored))

    def ignored(self, relative: str, *, is_dir: bool) -> bool:
        if not self._rules:
            return False
        parts = relative.split("/")
        result = False
        for depth in range(len(parts)):
            rules = self._rules.get("/".join(parts[:depth]))
            if not rules:
                continue
            below = "/".join(parts[depth:])
            for rule in rules:
                if rule.dir_only and not is_dir:
                    continue
                if fnmatchcase(below if rule.anchored else parts[-1], rule.pattern):
                    result = not rule.negate
        return result


__all__ = [
    "CONFIG_FILE",
    "Reference",
    "ScanConfig",
    "ScanError",
    "ScanResult",
    "compile_pattern",
    "load_config",
    "scan",
]
