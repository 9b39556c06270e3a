"""Cases: errors (missing and malformed flags, bad contexts and documents) and the
OpenFeature reason of each kind of result."""

from __future__ import annotations

from typing import Any

from _build import (
    case,
    clause,
    error,
    fallthrough,
    flag,
    off,
    prerequisite_failed,
    rollout,
    rule_flag,
    rule_match,
    target,
    write,
)


def main() -> int:
    return errors() + openfeature()


def malformed_flags() -> dict[str, Any]:
    ok = flag("x")
    flags: dict[str, Any] = {
        "no-variations": {k: v for k, v in ok.items() if k != "variations"},
        "empty-variations": {**ok, "variations": []},
        "index-out-of-range": {**ok, "fallthrough": {"variation": 2}},
        "negative-off-variation": {**ok, "off_variation": -1},
        "weights-short": {**ok, "fallthrough": rollout([(0, 50000), (1, 49999)])},
        "negative-weight": {**ok, "fallthrough": rollout([(0, -1), (1, 100001)])},
        "bad-regex": rule_flag("x", clause("a", "matches", ["("])),
        "regex-backreference": rule_flag("x", clause("a", "matches", ["(a)\\1"])),
        "regex-lookahead": rule_flag("x", clause("a", "matches", ["^(?=a)"])),
        "regex-long-repetition": rule_flag("x", clause("a", "matches", ["a{1001}"])),
        "unknown-op": rule_flag("x", clause("a", "equals", ["b"])),
        "bad-semver": rule_flag("x", clause("v", "semver_eq", ["1.2.x"])),
        "bad-date": rule_flag("x", clause("t", "before", ["tomorrow"])),
        "no-values": rule_flag("x", {"attribute": "a", "op": "in"}),
        "empty-values": rule_flag("x", clause("a", "in", [])),
        "value-not-of-kind": {**ok, "variations": [{"value": True}, {"value": "no"}]},
        "unknown-kind": {**ok, "kind": "integer"},
        "no-fallthrough": {k: v for k, v in ok.items() if k != "fallthrough"},
        "serve-both": {**ok, "fallthrough": {"variation": 0, **rollout([(0, 100000)])}},
        "serve-neither": {**ok, "fallthrough": {}},
        "duplicate-rule-id": {
            **ok,
            "rules": [
                {"id": "r", "clauses": [], "serve": {"variation": 0}},
                {"id": "r", "clauses": [], "serve": {"variation": 1}},
            ],
        },
        "rules-not-a-list": {**ok, "rules": "r"},
        "target-twice": {
            **ok,
            "targets": [{"variation": 0, "values": ["u"]}, {"variation": 1, "values": ["u"]}],
        },
        "not-an-object": "flag",
        "key-mismatch": flag("other-key"),
        "bad key": flag("bad key"),
        "on-not-boolean": {**ok, "on": "yes"},
    }
    for key, value in flags.items():
        if isinstance(value, dict) and value.get("key") == "x":
            value["key"] = key
    return flags


def errors() -> int:
    flags = malformed_flags()
    flags["fine"] = flag("fine", fallthrough={"variation": 0})
    d = "d"
    c = [
        case(f"malformed {k}", k, {"key": "u"}, error("MALFORMED_FLAG", d), default=d)
        for k in malformed_flags()
    ]
    c += [
        case("missing flag", "no-such-flag", {"key": "u"}, error("FLAG_NOT_FOUND", d), default=d),
        case("missing flag default null", "no-such-flag", {"key": "u"}, error("FLAG_NOT_FOUND")),
        case("context is a list", "fine", ["u"], error("INVALID_CONTEXT", d), default=d),
        case("context is a string", "fine", "u", error("INVALID_CONTEXT", d), default=d),
        case("context is null", "fine", None, error("INVALID_CONTEXT", d), default=d),
        case("empty context is fine", "fine", {}, fallthrough(True, 0)),
        case(
            "unknown fields are ignored",
            "fine",
            {"key": "u"},
            fallthrough(True, 0),
            document={
                "flags": {"fine": {**flag("fine", fallthrough={"variation": 0}), "colour": "red"}},
                "extra": 1,
            },
        ),
        case(
            "missing document is empty",
            "fine",
            {"key": "u"},
            error("FLAG_NOT_FOUND", d),
            default=d,
            document=None,
        ),
        case(
            "document is a list",
            "fine",
            {"key": "u"},
            error("FLAG_NOT_FOUND", d),
            default=d,
            document=[flag("fine")],
        ),
        case(
            "flags is a list",
            "fine",
            {"key": "u"},
            error("FLAG_NOT_FOUND", d),
            default=d,
            document={"flags": [flag("fine")]},
        ),
        case(
            "segments junk is ignored",
            "fine",
            {"key": "u"},
            fallthrough(True, 0),
            document={"flags": {"fine": flag("fine", fallthrough={"variation": 0})}, "segments": 7},
        ),
    ]
    return write(
        "errors",
        "errors: missing and malformed flags, bad contexts, bad documents",
        {"flags": flags},
        c,
    )


def openfeature() -> int:
    flags = {
        f["key"]: f
        for f in [
            flag("static", fallthrough={"variation": 0}),
            flag("static-off", on=False),
            rule_flag(
                "rule",
                clause("plan", "in", ["enterprise"]),
                targets=[{"variation": 1, "values": ["t"]}],
            ),
            flag("split", salt="new-checkout-salt", fallthrough=rollout([(0, 25000), (1, 75000)])),
            flag("needs-ghost", prerequisites=[{"key": "ghost", "variation": 0}]),
        ]
    }

    def of(name: str, key: str, ctx: Any, expected: dict[str, Any], reason: str) -> dict[str, Any]:
        return case(name, key, ctx, expected, openfeature_reason=reason)

    c = [
        of("static flag", "static", {"key": "u"}, fallthrough(True, 0), "STATIC"),
        of("off flag", "static-off", {"key": "u"}, off(False, 1), "DISABLED"),
        of("target", "rule", {"key": "t"}, target(False, 1), "TARGETING_MATCH"),
        of("rule", "rule", {"key": "u", "plan": "enterprise"}, rule_match(), "TARGETING_MATCH"),
        of(
            "fallthrough of a targeted flag", "rule", {"key": "u"}, fallthrough(False, 1), "DEFAULT"
        ),
        of("rollout", "split", {"key": "user-0"}, fallthrough(True, 0, True), "SPLIT"),
        of("rollout without bucketing value", "split", {}, fallthrough(True, 0, False), "DEFAULT"),
        of(
            "prerequisite failed",
            "needs-ghost",
            {"key": "u"},
            prerequisite_failed("ghost"),
            "DISABLED",
        ),
        of("missing flag is an error", "nope", {"key": "u"}, error("FLAG_NOT_FOUND"), "ERROR"),
    ]
    return write("openfeature", "results mapped to OpenFeature reasons", {"flags": flags}, c)
