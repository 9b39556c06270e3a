"""Cases: clause operators, negation, attribute paths and list-valued attributes."""

from __future__ import annotations

from typing import Any

from _build import MATCH, NO_MATCH, case, clause, rule_flag, write

JAN_2026 = "2026-01-01T00:00:00Z"
JAN_2026_MS = 1767225600000  # 2026-01-01T00:00:00Z in Unix milliseconds


def main() -> int:
    return operators() + semver() + dates() + attributes()


def operators() -> int:
    flags = {
        f["key"]: f
        for f in [
            rule_flag("in-plan", clause("plan", "in", ["enterprise", "team"])),
            rule_flag("in-number", clause("n", "in", [1, 2.5])),
            rule_flag("in-bool", clause("beta", "in", [True])),
            rule_flag("starts-with", clause("email", "starts_with", ["admin@", "root@"])),
            rule_flag("ends-with", clause("email", "ends_with", ["@example.com"])),
            rule_flag("contains", clause("name", "contains", ["bob"])),
            rule_flag("matches", clause("email", "matches", ["^[a-z]+@corp\\.com$"])),
            rule_flag("matches-search", clause("path", "matches", ["beta"])),
            rule_flag("matches-nested", clause("name", "matches", ["^(a+)+$"])),
            rule_flag("matches-any", clause("name", "matches", ["^x", "y$"])),
            rule_flag("matches-one-char", clause("name", "matches", ["^.$"])),
            rule_flag("matches-digits", clause("name", "matches", ["^\\d+$"])),
            rule_flag("lt", clause("age", "lt", [18])),
            rule_flag("lt-many", clause("age", "lt", [5, 10])),
            rule_flag("lte", clause("age", "lte", [18])),
            rule_flag("gt", clause("score", "gt", [10, 20])),
            rule_flag("gte", clause("score", "gte", [10])),
        ]
    }
    c: list[dict[str, Any]] = [
        case("in string matches", "in-plan", {"key": "u", "plan": "enterprise"}, MATCH),
        case("in second value matches", "in-plan", {"key": "u", "plan": "team"}, MATCH),
        case("in other string does not match", "in-plan", {"key": "u", "plan": "free"}, NO_MATCH),
        case("in missing attribute does not match", "in-plan", {"key": "u"}, NO_MATCH),
        case("in null attribute does not match", "in-plan", {"key": "u", "plan": None}, NO_MATCH),
        case(
            "in list with a matching element",
            "in-plan",
            {"key": "u", "plan": ["free", "team"]},
            MATCH,
        ),
        case("in list without a match", "in-plan", {"key": "u", "plan": ["free"]}, NO_MATCH),
        case("in empty list does not match", "in-plan", {"key": "u", "plan": []}, NO_MATCH),
        case("in is case sensitive", "in-plan", {"key": "u", "plan": "Enterprise"}, NO_MATCH),
        case("in number does not equal string", "in-plan", {"key": "u", "plan": 1}, NO_MATCH),
        case(
            "in object attribute does not match",
            "in-plan",
            {"key": "u", "plan": {"a": 1}},
            NO_MATCH,
        ),
        case("in integer equals integer", "in-number", {"key": "u", "n": 1}, MATCH),
        case("in float equals equal integer", "in-number", {"key": "u", "n": 1.0}, MATCH),
        case("in float equals float", "in-number", {"key": "u", "n": 2.5}, MATCH),
        case("in numeric string is not a number", "in-number", {"key": "u", "n": "1"}, NO_MATCH),
        case("in boolean true is not the number 1", "in-number", {"key": "u", "n": True}, NO_MATCH),
        case("in boolean matches boolean", "in-bool", {"key": "u", "beta": True}, MATCH),
        case("in number 1 is not boolean true", "in-bool", {"key": "u", "beta": 1}, NO_MATCH),
        case("in string true is not boolean", "in-bool", {"key": "u", "beta": "true"}, NO_MATCH),
        case("in false is not true", "in-bool", {"key": "u", "beta": False}, NO_MATCH),
        case(
            "starts_with first prefix", "starts-with", {"key": "u", "email": "admin@x.org"}, MATCH
        ),
        case(
            "starts_with second prefix", "starts-with", {"key": "u", "email": "root@y.org"}, MATCH
        ),
        case(
            "starts_with prefix elsewhere",
            "starts-with",
            {"key": "u", "email": "a@admin@"},
            NO_MATCH,
        ),
        case(
            "starts_with number does not match", "starts-with", {"key": "u", "email": 5}, NO_MATCH
        ),
        case("ends_with suffix", "ends-with", {"key": "u", "email": "a@example.com"}, MATCH),
        case(
            "ends_with longer string",
            "ends-with",
            {"key": "u", "email": "a@example.com.evil"},
            NO_MATCH,
        ),
        case(
            "ends_with list any element",
            "ends-with",
            {"key": "u", "email": ["x@o.org", "y@example.com"]},
            MATCH,
        ),
        case("contains substring", "contains", {"key": "u", "name": "jimbob"}, MATCH),
        case("contains is case sensitive", "contains", {"key": "u", "name": "Bob"}, NO_MATCH),
        case("matches anchored regex", "matches", {"key": "u", "email": "ann@corp.com"}, MATCH),
        case(
            "matches regex is case sensitive",
            "matches",
            {"key": "u", "email": "Ann@corp.com"},
            NO_MATCH,
        ),
        case("matches escaped dot", "matches", {"key": "u", "email": "ann@corpxcom"}, NO_MATCH),
        case(
            "matches searches anywhere",
            "matches-search",
            {"key": "u", "path": "/app/beta/x"},
            MATCH,
        ),
        case("matches number does not match", "matches-search", {"key": "u", "path": 7}, NO_MATCH),
        case(
            "matches nested repetition in linear time",
            "matches-nested",
            {"key": "u", "name": "a" * 64 + "!"},
            NO_MATCH,
        ),
        case("matches nested repetition", "matches-nested", {"key": "u", "name": "a" * 64}, MATCH),
        case("matches first of several", "matches-any", {"key": "u", "name": "xa"}, MATCH),
        case("matches second of several", "matches-any", {"key": "u", "name": "ay"}, MATCH),
        case("matches none of several", "matches-any", {"key": "u", "name": "ax"}, NO_MATCH),
        case("matches dot is one character", "matches-one-char", {"key": "u", "name": "ü"}, MATCH),
        case("matches digits", "matches-digits", {"key": "u", "name": "0123"}, MATCH),
        case(
            "matches \\d is ASCII only",
            "matches-digits",
            {"key": "u", "name": "\u0661\u0662"},
            NO_MATCH,
        ),
        case(
            "matches $ is the end of the value",
            "matches-digits",
            {"key": "u", "name": "12\n"},
            NO_MATCH,
        ),
        case("lt smaller", "lt", {"key": "u", "age": 17}, MATCH),
        case("lt equal is not less", "lt", {"key": "u", "age": 18}, NO_MATCH),
        case("lt float", "lt", {"key": "u", "age": 17.5}, MATCH),
        case("lt numeric string is not a number", "lt", {"key": "u", "age": "17"}, NO_MATCH),
        case("lt boolean is not a number", "lt", {"key": "u", "age": False}, NO_MATCH),
        case("lt any of several values", "lt-many", {"key": "u", "age": 7}, MATCH),
        case("lt none of several values", "lt-many", {"key": "u", "age": 10}, NO_MATCH),
        case("lte equal", "lte", {"key": "u", "age": 18}, MATCH),
        case("lte larger", "lte", {"key": "u", "age": 18.01}, NO_MATCH),
        case("gt any of several values", "gt", {"key": "u", "score": 15}, MATCH),
        case("gt equal is not greater", "gt", {"key": "u", "score": 10}, NO_MATCH),
        case("gte equal", "gte", {"key": "u", "score": 10}, MATCH),
        case("gte smaller", "gte", {"key": "u", "score": 9.99}, NO_MATCH),
        case("gte list of numbers", "gte", {"key": "u", "score": [1, 2, 30]}, MATCH),
    ]
    return write("operators", "in, string, regex and numeric operators", {"flags": flags}, c)


def semver() -> int:
    flags = {
        f["key"]: f
        for f in [
            rule_flag("semver-eq", clause("version", "semver_eq", ["1.2.3"])),
            rule_flag("semver-eq-short", clause("version", "semver_eq", ["1.2"])),
            rule_flag("semver-lt", clause("version", "semver_lt", ["2.0.0"])),
            rule_flag("semver-lte", clause("version", "semver_lte", ["2.0.0"])),
            rule_flag("semver-gt-alpha", clause("version", "semver_gt", ["1.0.0-alpha"])),
            rule_flag("semver-gt-beta2", clause("version", "semver_gt", ["1.0.0-beta.2"])),
            rule_flag("semver-gte", clause("version", "semver_gte", ["1.2.3"])),
        ]
    }
    v = "version"
    c = [
        case("semver_eq equal", "semver-eq", {"key": "u", v: "1.2.3"}, MATCH),
        case(
            "semver_eq ignores build metadata", "semver-eq", {"key": "u", v: "1.2.3+build.5"}, MATCH
        ),
        case("semver_eq prerelease differs", "semver-eq", {"key": "u", v: "1.2.3-beta"}, NO_MATCH),
        case(
            "semver_eq leading v is not a version", "semver-eq", {"key": "u", v: "v1.2.3"}, NO_MATCH
        ),
        case(
            "semver_eq leading zero is not a version",
            "semver-eq",
            {"key": "u", v: "01.2.3"},
            NO_MATCH,
        ),
        case(
            "semver_eq short value means patch 0",
            "semver-eq-short",
            {"key": "u", v: "1.2.0"},
            MATCH,
        ),
        case(
            "semver_eq short context means patch 0",
            "semver-eq-short",
            {"key": "u", v: "1.2"},
            MATCH,
        ),
        case("semver_eq major only is 1.0.0", "semver-eq-short", {"key": "u", v: "1"}, NO_MATCH),
        case("semver_lt smaller patch", "semver-lt", {"key": "u", v: "1.9.9"}, MATCH),
        case(
            "semver_lt prerelease below release", "semver-lt", {"key": "u", v: "2.0.0-rc.1"}, MATCH
        ),
        case("semver_lt equal", "semver-lt", {"key": "u", v: "2.0.0"}, NO_MATCH),
        case("semver_lt compares numerically", "semver-lt", {"key": "u", v: "10.0.0"}, NO_MATCH),
        case("semver_lt not a version", "semver-lt", {"key": "u", v: "not-a-version"}, NO_MATCH),
        case("semver_lt major only equal", "semver-lt", {"key": "u", v: "2"}, NO_MATCH),
        case("semver_lt number is not a version", "semver-lt", {"key": "u", v: 1}, NO_MATCH),
        case("semver_lte equal", "semver-lte", {"key": "u", v: "2.0.0"}, MATCH),
        case("semver_lte equal with build", "semver-lte", {"key": "u", v: "2.0.0+x"}, MATCH),
        case("semver_lte larger", "semver-lte", {"key": "u", v: "2.0.1"}, NO_MATCH),
        case(
            "semver_gt longer prerelease",
            "semver-gt-alpha",
            {"key": "u", v: "1.0.0-alpha.1"},
            MATCH,
        ),
        case(
            "semver_gt same prerelease", "semver-gt-alpha", {"key": "u", v: "1.0.0-alpha"}, NO_MATCH
        ),
        case("semver_gt later prerelease", "semver-gt-alpha", {"key": "u", v: "1.0.0-beta"}, MATCH),
        case(
            "semver_gt release above prerelease", "semver-gt-alpha", {"key": "u", v: "1.0.0"}, MATCH
        ),
        case("semver_gt smaller", "semver-gt-alpha", {"key": "u", v: "0.9.9"}, NO_MATCH),
        case(
            "semver_gt numeric identifiers numerically",
            "semver-gt-beta2",
            {"key": "u", v: "1.0.0-beta.11"},
            MATCH,
        ),
        case(
            "semver_gt alphanumeric above numeric",
            "semver-gt-beta2",
            {"key": "u", v: "1.0.0-beta.1a"},
            MATCH,
        ),
        case(
            "semver_gt numeric smaller",
            "semver-gt-beta2",
            {"key": "u", v: "1.0.0-beta.1"},
            NO_MATCH,
        ),
        case("semver_gte equal", "semver-gte", {"key": "u", v: "1.2.3"}, MATCH),
        case(
            "semver_gte prerelease of equal", "semver-gte", {"key": "u", v: "1.2.3-rc.1"}, NO_MATCH
        ),
        case("semver_gte any list element", "semver-gte", {"key": "u", v: ["0.1.0", "1.3"]}, MATCH),
    ]
    return write(
        "semver", "semantic version operators (SemVer 2.0.0 precedence)", {"flags": flags}, c
    )


def dates() -> int:
    flags = {
        f["key"]: f
        for f in [
            rule_flag("before", clause("now", "before", [JAN_2026])),
            rule_flag("after", clause("now", "after", [JAN_2026_MS])),
        ]
    }
    c = [
        case(
            "before one second earlier",
            "before",
            {"key": "u", "now": "2025-12-31T23:59:59Z"},
            MATCH,
        ),
        case("before same instant", "before", {"key": "u", "now": JAN_2026}, NO_MATCH),
        case(
            "before with offset", "before", {"key": "u", "now": "2026-01-01T01:00:00+02:00"}, MATCH
        ),
        case(
            "before same instant other offset",
            "before",
            {"key": "u", "now": "2025-12-31T19:00:00-05:00"},
            NO_MATCH,
        ),
        case("before unix milliseconds", "before", {"key": "u", "now": JAN_2026_MS - 1}, MATCH),
        case(
            "before unix milliseconds equal", "before", {"key": "u", "now": JAN_2026_MS}, NO_MATCH
        ),
        case("before date without time", "before", {"key": "u", "now": "2025-12-31"}, NO_MATCH),
        case(
            "before without offset", "before", {"key": "u", "now": "2025-12-31T23:59:59"}, NO_MATCH
        ),
        case("before not a date", "before", {"key": "u", "now": "yesterday"}, NO_MATCH),
        case("before boolean", "before", {"key": "u", "now": True}, NO_MATCH),
        case(
            "after millisecond later",
            "after",
            {"key": "u", "now": "2026-01-01T00:00:00.001Z"},
            MATCH,
        ),
        case("after same instant", "after", {"key": "u", "now": JAN_2026}, NO_MATCH),
        case("after unix milliseconds", "after", {"key": "u", "now": JAN_2026_MS + 1}, MATCH),
        case(
            "after lowercase z and t", "after", {"key": "u", "now": "2026-06-01t12:00:00z"}, MATCH
        ),
        case("after invalid month", "after", {"key": "u", "now": "2026-13-01T00:00:00Z"}, NO_MATCH),
    ]
    return write(
        "dates", "before and after: RFC 3339 strings and Unix milliseconds", {"flags": flags}, c
    )


def attributes() -> int:
    flags = {
        f["key"]: f
        for f in [
            rule_flag("not-in", clause("plan", "in", ["enterprise"], negate=True)),
            rule_flag("org-plan", clause("org.plan", "in", ["enterprise"])),
            rule_flag("deep-path", clause("a.b.c", "in", ["x"])),
            rule_flag(
                "two-clauses", clause("plan", "in", ["enterprise"]), clause("country", "in", ["DE"])
            ),
            rule_flag("no-clauses"),
            rule_flag("key-prefix", clause("key", "starts_with", ["test-"])),
        ]
    }
    c = [
        case("negated in other value matches", "not-in", {"key": "u", "plan": "free"}, MATCH),
        case(
            "negated in value does not match",
            "not-in",
            {"key": "u", "plan": "enterprise"},
            NO_MATCH,
        ),
        case("negated in missing attribute matches", "not-in", {"key": "u"}, MATCH),
        case(
            "negated in list containing value",
            "not-in",
            {"key": "u", "plan": ["free", "enterprise"]},
            NO_MATCH,
        ),
        case(
            "path into nested object",
            "org-plan",
            {"key": "u", "org": {"plan": "enterprise"}},
            MATCH,
        ),
        case("dotted top-level name", "org-plan", {"key": "u", "org.plan": "enterprise"}, MATCH),
        case(
            "top-level name wins over path",
            "org-plan",
            {"key": "u", "org.plan": "free", "org": {"plan": "enterprise"}},
            NO_MATCH,
        ),
        case("path through a string", "org-plan", {"key": "u", "org": "enterprise"}, NO_MATCH),
        case(
            "path to a list", "org-plan", {"key": "u", "org": {"plan": ["x", "enterprise"]}}, MATCH
        ),
        case("three-level path", "deep-path", {"key": "u", "a": {"b": {"c": "x"}}}, MATCH),
        case(
            "three-level path missing level", "deep-path", {"key": "u", "a": {"c": "x"}}, NO_MATCH
        ),
        case(
            "all clauses match",
            "two-clauses",
            {"key": "u", "plan": "enterprise", "country": "DE"},
            MATCH,
        ),
        case(
            "one clause of two",
            "two-clauses",
            {"key": "u", "plan": "enterprise", "country": "FR"},
            NO_MATCH,
        ),
        case("rule without clauses matches", "no-clauses", {"key": "u"}, MATCH),
        case("rule without clauses matches empty context", "no-clauses", {}, MATCH),
        case("key is an attribute", "key-prefix", {"key": "test-1"}, MATCH),
    ]
    return write(
        "attributes",
        "negation, attribute paths, list-valued attributes, clause sets",
        {"flags": flags},
        c,
    )
