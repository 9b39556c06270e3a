"""The built-in patterns that find flag keys in source code, one set per language.

Each pattern is a regular expression whose group ``key`` is the flag key: what
Premiere accepts as a flag key (``[A-Za-z0-9._-]{1,128}``) inside a string literal
that is the first argument of a flag-evaluation call (for Go's OpenFeature client,
the second, after the context). Each comes with hints: words every match contains,
so that a file without any of them is not searched with the pattern at all (a
substring test is far cheaper than a regular expression).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEY = r"(?P<key>[A-Za-z0-9._-]{1,128})"


@dataclass(frozen=True)
class Finder:
    """A pattern and the words (any one of them) each of its matches contains."""

    pattern: re.Pattern[str]
    hints: tuple[str, ...]

    def worth_searching(self, text: str) -> bool:
        return any(hint in text for hint in self.hints)


def _finder(regex: str, *hints: str) -> Finder:
    return Finder(re.compile(regex), hints)


@dataclass(frozen=True)
class Language:
    """A language: the file name endings it has and the finders of keys in it."""

    name: str
    suffixes: tuple[str, ...]
    finders: tuple[Finder, ...]


PYTHON = Language(
    "python",
    (".py", ".pyi"),
    (
        # Premiere's SDK (and LaunchDarkly's): variation, variation_detail, bool_variation...
        _finder(
            r"\b(?:variation|variation_detail|(?:bool|boolean|string|str|int|integer|float"
            r"|number|json|object)_variation(?:_detail)?)"
            rf"\s*\(\s*(?:(?:key|flag_key|feature_key)\s*=\s*)?[rbu]?(?P<q>['\"]){KEY}(?P=q)",
            "variation",
        ),
        # OpenFeature: get_boolean_value, get_string_details, ...
        _finder(
            r"\bget_(?:boolean|string|integer|float|object)_(?:value|details)(?:_async)?"
            rf"\s*\(\s*(?:flag_key\s*=\s*)?[rbu]?(?P<q>['\"]){KEY}(?P=q)",
            "get_",
        ),
    ),
)

JAVASCRIPT = Language(
    "javascript",
    (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"),
    (
        # LaunchDarkly-style clients: variation('key', variationDetail, boolVariation...
        _finder(
            r"\b(?:variation|variationDetail|(?:bool|boolean|string|number|json)Variation"
            rf"(?:Detail)?)\s*\(\s*(?P<q>['\"`]){KEY}(?P=q)",
            "ariation",
        ),
        # OpenFeature: getBooleanValue('key', getStringDetails...
        _finder(
            rf"\bget(?:Boolean|String|Number|Object)(?:Value|Details)\s*\(\s*(?P<q>['\"`]){KEY}(?P=q)",
            "Value",
            "Details",
        ),
        # React hooks: useFlag('key', useBooleanFlagValue('key', useFlagDetails...
        _finder(
            r"\buse(?:Flag|FeatureFlag|Variation|(?:Boolean|String|Number|Object)Flag"
            rf"(?:Value|Details)|FlagDetails)\s*\(\s*(?P<q>['\"`]){KEY}(?P=q)",
            "Flag",
            "Variation",
        ),
    ),
)

GO = Language(
    "go",
    (".go",),
    (
        # LaunchDarkly-style: client.BoolVariation("key", ctx, false), ...Detail, ...Ctx
        _finder(
            r"\b(?:Bool|String|Int|Float64|JSON)Variation(?:Detail)?(?:Ctx)?"
            rf"\s*\(\s*(?:[A-Za-z_][\w.]*\s*,\s*)?(?P<q>[\"`]){KEY}(?P=q)",
            "Variation",
        ),
        # OpenFeature: client.BooleanValue(ctx, "key", false, evalCtx), ...ValueDetails
        _finder(
            r"\b(?:Boolean|String|Int|Float|Object)Value(?:Details)?"
            rf"\s*\(\s*[A-Za-z_][\w.()]*\s*,\s*(?P<q>[\"`]){KEY}(?P=q)",
            "Value",
        ),
    ),
)

JAVA = Language(
    "java",
    (".java", ".kt", ".kts", ".scala", ".groovy"),
    (
        # LaunchDarkly-style: boolVariation("key", ctx, false), jsonValueVariation...
        _finder(
            r"\b(?:bool|string|int|double|json|jsonValue)Variation(?:Detail)?"
            rf"\s*\(\s*\"{KEY}\"",
            "Variation",
        ),
        # OpenFeature: getBooleanValue("key", false), getIntegerDetails(...
        _finder(
            r"\bget(?:Boolean|String|Integer|Double|Object)(?:Value|Details)"
            rf"\s*\(\s*\"{KEY}\"",
            "Value",
            "Details",
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
