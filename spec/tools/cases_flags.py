"""Cases: off, targets, rule order, kinds of variations and rollouts."""

from __future__ import annotations

from typing import Any

from _build import (
    case,
    clause,
    fallthrough,
    flag,
    off,
    result,
    rollout,
    rule_match,
    target,
    write,
)

SALT = "new-checkout-salt"  # buckets from spec/bucketing.json
SALT2 = "9f2c1d7e"


def main() -> int:
    return targets() + rules() + kinds() + rollouts()


def targets() -> int:
    tier = {
        "kind": "string",
        "variations": [{"value": "gold"}, {"value": "silver"}, {"value": "bronze"}],
        "off_variation": 2,
        "targets": [
            {"variation": 0, "values": ["u1", "u2"]},
            {"variation": 1, "values": ["u3"]},
        ],
        "rules": [
            {
                "id": "ent",
                "clauses": [clause("plan", "in", ["enterprise"])],
                "serve": {"variation": 1},
            }
        ],
        "fallthrough": {"variation": 2},
    }
    flags = {
        "tier": flag("tier", **tier),
        "tier-off": flag("tier-off", **{**tier, "on": False}),
        "off-null": flag("off-null", on=False, off_variation=None),
        "off-missing-on": {k: v for k, v in flag("off-missing-on").items() if k != "on"},
        "off-first": flag("off-first", on=False, off_variation=0),
    }
    c = [
        case("target first list", "tier", {"key": "u1"}, target("gold", 0)),
        case("target second key of list", "tier", {"key": "u2"}, target("gold", 0)),
        case("target other variation", "tier", {"key": "u3"}, target("silver", 1)),
        case(
            "target wins over rule", "tier", {"key": "u1", "plan": "enterprise"}, target("gold", 0)
        ),
        case(
            "rule when not targeted",
            "tier",
            {"key": "u4", "plan": "enterprise"},
            rule_match("silver", 1, "ent"),
        ),
        case("fallthrough when nothing matches", "tier", {"key": "u4"}, fallthrough("bronze", 2)),
        case("target keys are case sensitive", "tier", {"key": "U1"}, fallthrough("bronze", 2)),
        case("number key is not a target", "tier", {"key": 1}, fallthrough("bronze", 2)),
        case("no key is not a target", "tier", {"plan": "free"}, fallthrough("bronze", 2)),
        case("off serves off-variation to targets", "tier-off", {"key": "u1"}, off("bronze", 2)),
        case(
            "off with null off-variation serves default",
            "off-null",
            {"key": "u"},
            off("dflt", None),
            default="dflt",
        ),
        case("missing on means off", "off-missing-on", {"key": "u"}, off(False, 1)),
        case("off serves first variation", "off-first", {"key": "u"}, off(True, 0)),
    ]
    return write("targets", "off, individual targets and their precedence", {"flags": flags}, c)


def rules() -> int:
    ordered = flag(
        "ordered",
        kind="number",
        variations=[{"value": 1}, {"value": 2}, {"value": 3}, {"value": 0}],
        off_variation=3,
        rules=[
            {"id": "gold", "clauses": [clause("tier", "in", ["gold"])], "serve": {"variation": 0}},
            {
                "id": "metal",
                "clauses": [clause("tier", "in", ["gold", "silver"])],
                "serve": {"variation": 1},
            },
            {
                "id": "germany",
                "clauses": [clause("country", "in", ["DE"])],
                "serve": {"variation": 2},
            },
        ],
        fallthrough={"variation": 3},
    )
    flags = {"ordered": ordered}
    c = [
        case("first rule", "ordered", {"key": "u", "tier": "gold"}, rule_match(1, 0, "gold", 0)),
        case(
            "second rule", "ordered", {"key": "u", "tier": "silver"}, rule_match(2, 1, "metal", 1)
        ),
        case(
            "third rule", "ordered", {"key": "u", "country": "DE"}, rule_match(3, 2, "germany", 2)
        ),
        case(
            "earlier rule wins",
            "ordered",
            {"key": "u", "tier": "gold", "country": "DE"},
            rule_match(1, 0, "gold", 0),
        ),
        case(
            "second wins over third",
            "ordered",
            {"key": "u", "tier": "silver", "country": "DE"},
            rule_match(2, 1, "metal", 1),
        ),
        case("no rule", "ordered", {"key": "u", "tier": "bronze"}, fallthrough(0, 3)),
        case("empty context", "ordered", {}, fallthrough(0, 3)),
    ]
    return write(
        "rules",
        "rules are tried in order; the first whose clauses all match serves",
        {"flags": flags},
        c,
    )


def kinds() -> int:
    flags = {
        "colour": flag(
            "colour",
            kind="string",
            variations=[{"value": "red", "name": "Red"}, {"value": "blue"}, {"value": ""}],
            off_variation=2,
            fallthrough={"variation": 1},
        ),
        "ratio": flag(
            "ratio",
            kind="number",
            variations=[{"value": 0.5}, {"value": -3}],
            fallthrough={"variation": 0},
        ),
        "config": flag(
            "config",
            kind="json",
            variations=[
                {"value": {"limits": {"rps": 10}, "tags": ["a"]}},
                {"value": [1, "two", None]},
                {"value": None},
            ],
            off_variation=2,
            rules=[
                {"id": "big", "clauses": [clause("size", "gte", [100])], "serve": {"variation": 1}}
            ],
            fallthrough={"variation": 0},
        ),
        "config-off": flag(
            "config-off", kind="json", on=False, variations=[{"value": 1}, {"value": None}]
        ),
        "off-null": flag("off-null", on=False, off_variation=None),
    }
    c = [
        case("string variation", "colour", {"key": "u"}, fallthrough("blue", 1)),
        case("number float variation", "ratio", {"key": "u"}, fallthrough(0.5, 0)),
        case(
            "json object variation",
            "config",
            {"key": "u"},
            fallthrough({"limits": {"rps": 10}, "tags": ["a"]}, 0),
        ),
        case(
            "json list variation by rule",
            "config",
            {"key": "u", "size": 100},
            rule_match([1, "two", None], 1, "big"),
        ),
        case("json null off-variation", "config-off", {"key": "u"}, off(None, 1), default="dflt"),
        case(
            "expected kind matches",
            "colour",
            {"key": "u"},
            fallthrough("blue", 1),
            default="x",
            expected_kind="string",
        ),
        case(
            "expected kind differs",
            "colour",
            {"key": "u"},
            result("x", None, "ERROR", error_code="TYPE_MISMATCH"),
            default="x",
            expected_kind="boolean",
        ),
        case(
            "expected number for number",
            "ratio",
            {"key": "u"},
            fallthrough(0.5, 0),
            default=0,
            expected_kind="number",
        ),
        case(
            "expected string for number",
            "ratio",
            {"key": "u"},
            result("d", None, "ERROR", error_code="TYPE_MISMATCH"),
            default="d",
            expected_kind="string",
        ),
        case(
            "expected json accepts any value",
            "config",
            {"key": "u", "size": 100},
            rule_match([1, "two", None], 1, "big"),
            expected_kind="json",
        ),
        case(
            "expected boolean for json list",
            "config",
            {"key": "u", "size": 100},
            result(False, None, "ERROR", error_code="TYPE_MISMATCH"),
            default=False,
            expected_kind="boolean",
        ),
        case(
            "expected boolean for json null",
            "config-off",
            {"key": "u"},
            result(True, None, "ERROR", error_code="TYPE_MISMATCH"),
            default=True,
            expected_kind="boolean",
        ),
        case(
            "expected kind not checked on default",
            "off-null",
            {"key": "u"},
            off("dflt", None),
            default="dflt",
            expected_kind="boolean",
        ),
    ]
    return write("types", "variation kinds and the expected-kind check", {"flags": flags}, c)


def rollouts() -> int:
    flags = {
        "quarter": flag("quarter", salt=SALT, fallthrough=rollout([(0, 25000), (1, 75000)])),
        "sixty": flag("sixty", salt=SALT, fallthrough=rollout([(0, 60000), (1, 40000)])),
        "by-number": flag(
            "by-number", salt=SALT, fallthrough=rollout([(0, 25000), (1, 75000)], "n")
        ),
        "three": flag(
            "three",
            kind="string",
            salt=SALT2,
            variations=[{"value": "a"}, {"value": "b"}, {"value": "c"}],
            off_variation=0,
            fallthrough=rollout([(0, 10000), (1, 30000), (2, 60000)]),
        ),
        "zero-first": flag(
            "zero-first",
            kind="string",
            salt=SALT2,
            variations=[{"value": "a"}, {"value": "b"}, {"value": "c"}],
            off_variation=0,
            fallthrough=rollout([(0, 0), (1, 50000), (2, 50000)]),
        ),
        "by-org": flag(
            "by-org", salt="a.b", fallthrough=rollout([(0, 50000), (1, 50000)], "org.id")
        ),
        "everyone": flag("everyone", salt=SALT, fallthrough=rollout([(1, 100000)])),
        "rule-rollout": flag(
            "rule-rollout",
            salt=SALT,
            rules=[
                {
                    "id": "beta",
                    "clauses": [clause("beta", "in", [True])],
                    "serve": rollout([(0, 25000), (1, 75000)]),
                }
            ],
            fallthrough={"variation": 1},
        ),
        "no-salt": {
            k: v
            for k, v in flag(
                "new-checkout-salt", fallthrough=rollout([(0, 25000), (1, 75000)])
            ).items()
            if k != "salt"
        },
        "empty-salt": flag("empty-salt", salt="", fallthrough=rollout([(0, 50000), (1, 50000)])),
    }
    flags["new-checkout-salt"] = flags.pop("no-salt")

    def q(value: bool, variation: int, in_rollout: bool = True) -> dict[str, Any]:
        return fallthrough(value, variation, in_rollout)

    def t(value: str, variation: int, in_rollout: bool = True) -> dict[str, Any]:
        return fallthrough(value, variation, in_rollout)

    c = [
        # new-checkout-salt buckets: user-0 15615, user-1 97143, user-2 60970, user-3 72166,
        # user-42 50978, alice@example.com 58211, "" 61401, int -7 815, 0 55230, 42 60307
        case("quarter user-0 bucket 15615 in first", "quarter", {"key": "user-0"}, q(True, 0)),
        case("quarter user-1 bucket 97143 in second", "quarter", {"key": "user-1"}, q(False, 1)),
        case("quarter user-2 bucket 60970", "quarter", {"key": "user-2"}, q(False, 1)),
        case("quarter user-3 bucket 72166", "quarter", {"key": "user-3"}, q(False, 1)),
        case(
            "quarter email key bucket 58211", "quarter", {"key": "alice@example.com"}, q(False, 1)
        ),
        case("quarter empty key bucket 61401", "quarter", {"key": ""}, q(False, 1)),
        case("quarter missing key is bucket 0", "quarter", {"plan": "free"}, q(True, 0, False)),
        case("quarter boolean key is bucket 0", "quarter", {"key": True}, q(True, 0, False)),
        case("sixty user-42 bucket 50978 in first", "sixty", {"key": "user-42"}, q(True, 0)),
        case("sixty user-2 bucket 60970 in second", "sixty", {"key": "user-2"}, q(False, 1)),
        case("sixty keeps user-0 of quarter", "sixty", {"key": "user-0"}, q(True, 0)),
        case("bucket by integer -7 bucket 815", "by-number", {"key": "x", "n": -7}, q(True, 0)),
        case("bucket by integer 0 bucket 55230", "by-number", {"key": "x", "n": 0}, q(False, 1)),
        case(
            "bucket by integral float as integer", "by-number", {"key": "x", "n": 42.0}, q(False, 1)
        ),
        case(
            "bucket by fraction is bucket 0", "by-number", {"key": "x", "n": 1.5}, q(True, 0, False)
        ),
        case("bucket by list is bucket 0", "by-number", {"key": "x", "n": [1]}, q(True, 0, False)),
        case(
            "bucket by missing attribute ignores key",
            "by-number",
            {"key": "user-1"},
            q(True, 0, False),
        ),
        # 9f2c1d7e buckets: user-0 92503, user-1 27409, user-2 4605, user-3 94526, user-10 6181,
        # user-42 12897, " spaced " 40680
        case("three-way user-2 bucket 4605", "three", {"key": "user-2"}, t("a", 0)),
        case("three-way user-10 bucket 6181", "three", {"key": "user-10"}, t("a", 0)),
        case("three-way user-42 bucket 12897", "three", {"key": "user-42"}, t("b", 1)),
        case("three-way user-1 bucket 27409", "three", {"key": "user-1"}, t("b", 1)),
        case("three-way spaced bucket 40680", "three", {"key": " spaced "}, t("c", 2)),
        case("three-way user-0 bucket 92503", "three", {"key": "user-0"}, t("c", 2)),
        case("zero weight never served", "zero-first", {"key": "user-2"}, t("b", 1)),
        case("zero weight second range", "zero-first", {"key": "user-3"}, t("c", 2)),
        case("zero weight missing key first non-empty", "zero-first", {}, t("b", 1, False)),
        # salt "a.b": user-0 24309, user-1 66762
        case("bucket by path", "by-org", {"key": "z", "org": {"id": "user-0"}}, q(True, 0)),
        case("bucket by path second", "by-org", {"key": "z", "org": {"id": "user-1"}}, q(False, 1)),
        case("single variation rollout", "everyone", {"key": "user-0"}, q(False, 1)),
        case(
            "rule rollout user-0",
            "rule-rollout",
            {"key": "user-0", "beta": True},
            rule_match(True, 0, "beta", 0, True),
        ),
        case(
            "rule rollout user-1",
            "rule-rollout",
            {"key": "user-1", "beta": True},
            rule_match(False, 1, "beta", 0, True),
        ),
        case("rule rollout not matched", "rule-rollout", {"key": "user-0"}, fallthrough(False, 1)),
        # no salt: the flag key "new-checkout-salt" is the salt
        case("missing salt uses flag key", "new-checkout-salt", {"key": "user-0"}, q(True, 0)),
        # salt "": user-3 22436, user-0 57407
        case("empty salt user-3", "empty-salt", {"key": "user-3"}, q(True, 0)),
        case("empty salt user-0", "empty-salt", {"key": "user-0"}, q(False, 1)),
    ]
    return write(
        "rollouts",
        "weighted rollouts; expected variations from spec/bucketing.json",
        {"flags": flags},
        c,
    )
