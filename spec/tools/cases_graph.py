"""Cases: prerequisites (chains, cycles, depth) and segments."""

from __future__ import annotations

from typing import Any

from _build import (
    MATCH,
    NO_MATCH,
    case,
    clause,
    error,
    fallthrough,
    flag,
    off,
    prerequisite_failed,
    rule_flag,
    target,
    write,
)

CHAIN = 70  # chain-0 -> chain-1 -> ... -> chain-69


def main() -> int:
    return prerequisites() + segments()


def needs(key: str, *prerequisites: tuple[str, int], **fields: Any) -> dict[str, Any]:
    """A flag serving true (fallthrough 0) when its prerequisites are met."""
    reqs = [{"key": k, "variation": v} for k, v in prerequisites]
    return flag(key, prerequisites=reqs, **{"fallthrough": {"variation": 0}, **fields})


def prerequisites() -> int:
    items = [
        flag("base", fallthrough={"variation": 0}),
        flag("base-off", on=False),
        rule_flag("gated", clause("plan", "in", ["enterprise"])),
        needs("needs-base", ("base", 0)),
        needs("needs-base-false", ("base", 1)),
        needs("needs-base-off", ("base-off", 1)),
        needs("needs-ghost", ("ghost", 0)),
        needs("needs-gated", ("gated", 0)),
        needs("chain-ok", ("needs-base", 0)),
        needs("via-failed", ("needs-base-false", 1)),
        needs("two", ("base", 0), ("needs-base-false", 0)),
        needs("two-ok", ("base", 0), ("needs-base", 0)),
        needs(
            "targeted-but-failing", ("base-off", 0), targets=[{"variation": 0, "values": ["vip"]}]
        ),
        needs("off-ghost", ("ghost", 0), on=False),
        needs("null-off-ghost", ("ghost", 0), off_variation=None),
        needs("cycle-a", ("cycle-b", 0)),
        needs("cycle-b", ("cycle-a", 0)),
        needs("self", ("self", 0)),
        needs("into-cycle", ("cycle-a", 0)),
        needs("loop-a", ("loop-b", 0)),
        needs("loop-b", ("loop-a", 0), on=False),
        needs("needs-broken", ("broken", 0)),
        {"key": "broken", "kind": "boolean", "variations": [], "fallthrough": {"variation": 0}},
    ]
    items += [needs(f"chain-{i}", (f"chain-{i + 1}", 0)) for i in range(CHAIN - 1)]
    items.append(flag(f"chain-{CHAIN - 1}", fallthrough={"variation": 0}))
    flags = {f["key"]: f for f in items}
    yes = fallthrough(True, 0)
    c = [
        case("met", "needs-base", {"key": "u"}, yes),
        case("wrong variation", "needs-base-false", {"key": "u"}, prerequisite_failed("base")),
        case("prerequisite off", "needs-base-off", {"key": "u"}, prerequisite_failed("base-off")),
        case("prerequisite missing", "needs-ghost", {"key": "u"}, prerequisite_failed("ghost")),
        case(
            "prerequisite decided by rule met",
            "needs-gated",
            {"key": "u", "plan": "enterprise"},
            yes,
        ),
        case(
            "prerequisite decided by rule failed",
            "needs-gated",
            {"key": "u"},
            prerequisite_failed("gated"),
        ),
        case("chain of two met", "chain-ok", {"key": "u"}, yes),
        case(
            "prerequisite serving through failure is not met",
            "via-failed",
            {"key": "u"},
            prerequisite_failed("needs-base-false"),
        ),
        case(
            "first failing prerequisite reported",
            "two",
            {"key": "u"},
            prerequisite_failed("needs-base-false"),
        ),
        case("all prerequisites met", "two-ok", {"key": "u"}, yes),
        case(
            "prerequisites before targets",
            "targeted-but-failing",
            {"key": "vip"},
            prerequisite_failed("base-off"),
        ),
        case("off before prerequisites", "off-ghost", {"key": "u"}, off(False, 1)),
        case(
            "failed with null off-variation serves default",
            "null-off-ghost",
            {"key": "u"},
            prerequisite_failed("ghost", "d", None),
            default="d",
        ),
        case(
            "cycle is an error",
            "cycle-a",
            {"key": "u"},
            error("PREREQUISITE_CYCLE", "d"),
            default="d",
        ),
        case("cycle from the other end", "cycle-b", {"key": "u"}, error("PREREQUISITE_CYCLE")),
        case("self prerequisite is a cycle", "self", {"key": "u"}, error("PREREQUISITE_CYCLE")),
        case(
            "reaching a cycle is an error", "into-cycle", {"key": "u"}, error("PREREQUISITE_CYCLE")
        ),
        case("cycle broken by an off flag", "loop-a", {"key": "u"}, prerequisite_failed("loop-b")),
        case("off flag of a cycle is off", "loop-b", {"key": "u"}, off(False, 1)),
        case(
            "malformed prerequisite is not met",
            "needs-broken",
            {"key": "u"},
            prerequisite_failed("broken"),
        ),
        case("chain of 64 flags is allowed", "chain-6", {"key": "u"}, yes),
        case(
            "chain of 65 flags is too deep", "chain-5", {"key": "u"}, error("PREREQUISITE_TOO_DEEP")
        ),
        case(
            "chain of 70 flags is too deep", "chain-0", {"key": "u"}, error("PREREQUISITE_TOO_DEEP")
        ),
    ]
    return write(
        "prerequisites",
        "prerequisite flags: on and serving the given variation",
        {"flags": flags},
        c,
    )


def segments() -> int:
    segs = {
        "staff": {
            "key": "staff",
            "included": ["u-inc", "u-both"],
            "excluded": ["u-exc", "u-both"],
            "rules": [{"id": "email", "clauses": [clause("email", "ends_with", ["@example.com"])]}],
        },
        "beta": {"key": "beta", "included": ["u-beta"], "excluded": [], "rules": []},
        "de-fr": {
            "key": "de-fr",
            "rules": [{"id": "c", "clauses": [clause("country", "in", ["DE", "FR"])]}],
        },
        "either": {
            "key": "either",
            "rules": [
                {"id": "ent", "clauses": [clause("plan", "in", ["enterprise"])]},
                {"id": "us", "clauses": [clause("country", "in", ["US"])]},
            ],
        },
        "both": {
            "key": "both",
            "rules": [
                {"clauses": [clause("plan", "in", ["enterprise"]), clause("country", "in", ["US"])]}
            ],
        },
        "empty": {"key": "empty"},
        "numbers": {"key": "numbers", "included": ["5"]},
        "broken": {"key": "broken", "included": "u-1"},
    }
    flags = {
        f["key"]: f
        for f in [
            rule_flag("staff-only", clause(None, "segment_match", ["staff"])),
            rule_flag("beta-or-de-fr", clause(None, "segment_match", ["beta", "de-fr"])),
            rule_flag("not-staff", clause(None, "segment_match", ["staff"], negate=True)),
            rule_flag("ghost", clause(None, "segment_match", ["ghost"])),
            rule_flag("not-ghost", clause(None, "segment_match", ["ghost"], negate=True)),
            rule_flag("either", clause(None, "segment_match", ["either"])),
            rule_flag("both", clause(None, "segment_match", ["both"])),
            rule_flag("empty", clause(None, "segment_match", ["empty"])),
            rule_flag("numbers", clause(None, "segment_match", ["numbers"])),
            rule_flag(
                "staff-in-de",
                clause("country", "in", ["DE"]),
                clause("ignored", "segment_match", ["staff"]),
            ),
            rule_flag("uses-broken", clause(None, "segment_match", ["broken"])),
            flag(
                "target-then-segment",
                targets=[{"variation": 1, "values": ["u-inc"]}],
                rules=[
                    {
                        "id": "r",
                        "clauses": [clause(None, "segment_match", ["staff"])],
                        "serve": {"variation": 0},
                    }
                ],
            ),
        ]
    }
    c = [
        case("included key", "staff-only", {"key": "u-inc"}, MATCH),
        case(
            "excluded key beats rules",
            "staff-only",
            {"key": "u-exc", "email": "x@example.com"},
            NO_MATCH,
        ),
        case("included beats excluded", "staff-only", {"key": "u-both"}, MATCH),
        case("segment rule", "staff-only", {"key": "u", "email": "x@example.com"}, MATCH),
        case(
            "segment rule not matched", "staff-only", {"key": "u", "email": "x@other.org"}, NO_MATCH
        ),
        case("segment rule without key", "staff-only", {"email": "x@example.com"}, MATCH),
        case("first of two segments", "beta-or-de-fr", {"key": "u-beta"}, MATCH),
        case("second of two segments", "beta-or-de-fr", {"key": "u", "country": "FR"}, MATCH),
        case("neither segment", "beta-or-de-fr", {"key": "u", "country": "US"}, NO_MATCH),
        case("negated segment member", "not-staff", {"key": "u-inc"}, NO_MATCH),
        case("negated segment non-member", "not-staff", {"key": "u"}, MATCH),
        case("missing segment does not match", "ghost", {"key": "u"}, NO_MATCH),
        case("negated missing segment matches", "not-ghost", {"key": "u"}, MATCH),
        case("any segment rule first", "either", {"key": "u", "plan": "enterprise"}, MATCH),
        case("any segment rule second", "either", {"key": "u", "country": "US"}, MATCH),
        case("no segment rule", "either", {"key": "u"}, NO_MATCH),
        case(
            "all clauses of a segment rule",
            "both",
            {"key": "u", "plan": "enterprise", "country": "US"},
            MATCH,
        ),
        case("one clause of a segment rule", "both", {"key": "u", "plan": "enterprise"}, NO_MATCH),
        case("empty segment", "empty", {"key": "u"}, NO_MATCH),
        case("number key is not an included string", "numbers", {"key": 5}, NO_MATCH),
        case("string key included", "numbers", {"key": "5"}, MATCH),
        case(
            "segment and attribute clause", "staff-in-de", {"key": "u-inc", "country": "DE"}, MATCH
        ),
        case("segment without attribute clause", "staff-in-de", {"key": "u-inc"}, NO_MATCH),
        case(
            "malformed segment makes flag malformed",
            "uses-broken",
            {"key": "u-1"},
            error("MALFORMED_FLAG"),
        ),
        case(
            "target before segment rule", "target-then-segment", {"key": "u-inc"}, target(False, 1)
        ),
    ]
    return write(
        "segments",
        "segment_match: included, excluded, segment rules",
        {"flags": flags, "segments": segs},
        c,
    )
