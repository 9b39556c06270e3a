"""The built-in patterns that find flag keys in source code, one set per language.

Each pattern is a regular expression with exactly one group: the flag key. A key is
what Premiere accepts as a flag key (``[A-Za-z0-9._-]{1,128}``) inside a string
literal that is the first argument of a flag-evaluation call (for Go's OpenFeature
client, the second, after the context).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEY = r"(?P<key>[A-Za-z0-9._-]{1,128})"


@dataclass(frozen=True)
class Language:
    """A language: the file name endings it has and the patterns that find keys in it."""

    name: str
    suffixes: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


PYTHON = Language(
    "python",
    (".py", ".pyi"),
    (
        # Premiere's SDK (and LaunchDarkly's): variation, variation_detail, bool_variation...
        re.compile(
            r"\b(?:variation|variation_detail|(?:bool|boolean|string|str|int|integer|float"
            r"|number|json|object)_variation(?:_detail)?)"
            rf"\s*\(\s*(?:(?:key|flag_key|feature_key)\s*=\s*)?[rbu]?(?P<q>['\"]){KEY}(?P=q)"
        ),
        # OpenFeature: get_boolean_value, get_string_details, ...
        re.compile(
            r"\bget_(?:boolean|string|integer|float|object)_(?:value|details)(?:_async)?"
            rf"\s*\(\s*(?:flag_key\s*=\s*)?[rbu]?(?P<q>['\"]){KEY}(?P=q)"
        ),
    ),
)

JAVASCRIPT = Language(
    "javascript",
    (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"),
    (
        # LaunchDarkly-style clients: variation('key', variationDetail, boolVariation...
        re.compile(
            r"\b(?:variation|variationDetail|(?:bool|boolean|string|number|json)Variation"
            rf"(?:Detail)?)\s*\(\s*(?P<q>['\"`]){KEY}(?P=q)"
        ),
        # OpenFeature: getBooleanValue('key', getStringDetails...
        re.compile(
            rf"\bget(?:Boolean|String|Number|Object)(?:Value|Details)\s*\(\s*(?P<q>['\"`]){KEY}(?P=q)"
        ),
        # React hooks: useFlag('key', useBooleanFlagValue('key', useFlagDetails...
        re.compile(
            r"\buse(?:Flag|FeatureFlag|Variation|(?:Boolean|String|Number|Object)Flag"
            rf"(?:Value|Details)|FlagDetails)\s*\(\s*(?P<q>['\"`]){KEY}(?P=q)"
        ),
    ),
)

GO = Language(
    "go",
    (".go",),
    (
        # LaunchDarkly-style: client.BoolVariation("key", ctx, false), ...Detail, ...Ctx
        re.compile(
            r"\b(?:Bool|String|Int|Float64|JSON)Variation(?:Detail)?(?:Ctx)?"
            rf"\s*\(\s*(?:[A-Za-z_][\w.]*\s*,\s*)?(?P<q>[\"`]){KEY}(?P=q)"
        ),
        # OpenFeature: client.BooleanValue(ctx, "key", false, evalCtx), ...ValueDetails
        re.compile(
            r"\b(?:Boolean|String|Int|Float|Object)Value(?:Details)?"
            rf"\s*\(\s*[A-Za-z_][\w.()]*\s*,\s*(?P<q>[\"`]){KEY}(?P=q)"
        ),
    ),
)

JAVA = Language(
    "java",
    (".java", ".kt", ".kts", ".scala", ".groovy"),
    (
        # LaunchDarkly-style: boolVariation("key", ctx, false), jsonValueVariation...
        re.compile(
            r"\b(?:bool|string|int|double|json|jsonValue)Variation(?:Detail)?"
            rf"\s*\(\s*\"{KEY}\""
        ),
        # OpenFeature: getBooleanValue("key", false), getIntegerDetails(...
        re.compile(
            r"\bget(?:Boolean|String|Integer|Double|Object)(?:Value|Details)"
            rf"\s*\(\s*\"{KEY}\""
        ),
    ),
)

LANGUAGES: tuple[Language, ...] = (PYTHON, JAVASCRIPT, GO, JAVA)

BY_SUFFIX: dict[str, Language] = {s: lang for lang in LANGUAGES for s in lang.suffixes}

# Directories never worth reading: version control, dependencies, caches, environments.
SKIPPED_DIRECTORIES = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", "__pycache__",
        ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache",
        "site-packages", ".eggs", ".gradle", ".idea", ".next", ".nuxt", ".terraform",
    }
)  # fmt: skip


def key_of(match: re.Match[str]) -> str:
    """The key a pattern matched: its group named ``key``, or else its only group."""
    return match.group("key") if "key" in match.re.groupindex else match.group(1)


__all__ = ["BY_SUFFIX", "KEY", "LANGUAGES", "SKIPPED_DIRECTORIES", "Language", "key_of"]
