"""``premiere scan``: list the flag keys a source tree uses, with file:line."""

from __future__ import annotations

from pathlib import Path

import click

from premiere.cli.context import json_option
from premiere.cli.deployments.scan import CONFIG_FILE, ScanError, ScanResult, load_config, scan
from premiere.cli.exits import BadUsage
from premiere.cli.output import emit_json, say, table


def scan_path(
    root: Path,
    *,
    patterns: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    config_file: Path | None = None,
    gitignore: bool | None = None,
) -> ScanResult:
    """Scan ``root`` with its configuration plus the command line's; bad input is a usage error."""
    try:
        config = load_config(root, config_file).with_options(
            patterns=patterns, exclude=exclude, gitignore=gitignore
        )
        return scan(root, config)
    except ScanError as exc:
        raise BadUsage(str(exc)) from None


@click.command("scan")
@click.argument("path", type=click.Path(exists=True, path_type=Path), default=".")
@click.option(
    "--pattern",
    "patterns",
    multiple=True,
    metavar="REGEX",
    help="Also find keys with this regular expression (one group: the key); repeatable. "
    "Applies to every text file.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip paths matching this .gitignore-style glob.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Configuration file. [default: PATH/{CONFIG_FILE} if present]",
)
@click.option(
    "--no-gitignore", "gitignore", flag_value=False, default=None, help="Read ignored files too."
)
@click.option("--keys", "keys_only", is_flag=True, help="Print only the keys, one a line.")
@json_option
def scan_command(
    path: Path,
    patterns: tuple[str, ...],
    exclude: tuple[str, ...],
    config_file: Path | None,
    gitignore: bool | None,
    keys_only: bool,
    as_json: bool,
) -> None:
    """Find the flag keys used in the source code under PATH (default: here).

    \b
    Built-in patterns (the key must be a string literal):
      Python      client.variation("key", ...), bool_variation / string_variation /
                  int_variation / float_variation / json_variation / variation_detail,
                  OpenFeature get_boolean_value("key", ...) and the other get_*_value/details
      JS / TS     variation('key', ...), boolVariation, variationDetail, OpenFeature
                  getBooleanValue('key', ...), useFlag('key'), useBooleanFlagValue('key')
      Go          BoolVariation("key", ...), StringVariationDetail, OpenFeature
                  client.BooleanValue(ctx, "key", ...)
      Java/Kotlin boolVariation("key", ...), OpenFeature getBooleanValue("key", ...)

    Skips .git, node_modules, virtual environments, caches, what .gitignore files
    name, binary files and files over 1 MiB. Settings: PATH/.premiere-scan.toml
    (patterns, exclude, languages, max_file_size, gitignore); see docs/pipelines.md.
    """
    result = scan_path(
        path, patterns=patterns, exclude=exclude, config_file=config_file, gitignore=gitignore
    )
    if as_json:
        emit_json(result.to_dict())
        return
    if keys_only:
        for key in result.flag_keys():
            click.echo(key)
        return
    rows = [(r.key, f"{r.path}:{r.line}", r.language) for r in sorted(
        result.references, key=lambda r: (r.key, r.path, r.line))]  # fmt: skip
    table("Flag keys", ["key", "where", "language"], rows)
    say(
        f"{len(result.flag_keys())} keys, {len(result.references)} references in "
        f"{result.files_scanned} files read."
    )
