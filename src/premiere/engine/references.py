"""What a flag refers to (segments, prerequisite flags) and prerequisite cycles.

All functions accept junk without raising: what is not well-formed is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def referenced_segments(flag: Any) -> set[str]:
    """The segment keys named by ``segment_match`` clauses of the flag's rules."""
    found: set[str] = set()
    for clause in _clauses(flag):
        if clause.get("op") == "segment_match" and isinstance(clause.get("values"), list):
            found.update(v for v in clause["values"] if isinstance(v, str))
    return found


def referenced_flags(flag: Any) -> set[str]:
    """The keys of the flag's prerequisite flags."""
    return set(_prerequisite_keys(flag))


def reads_targeting_key(flag: Any) -> bool:
    """Whether an ``on`` flag's answer depends on the context's ``key`` (the targeting
    key): it has targets, a rollout bucketed by ``key``, or a rule clause on ``key``.
    Segments listing keys do not count (a context without a key is in none of them), nor
    do prerequisites (each is judged alone), and a flag that is off never needs a key."""
    if not isinstance(flag, Mapping) or flag.get("on") is not True:
        return False
    if flag.get("targets"):
        return True
    rules = flag.get("rules")
    rules = rules if isinstance(rules, list) else []
    serves = [flag.get("fallthrough")] + [r.get("serve") for r in rules if isinstance(r, Mapping)]
    for serve in serves:
        rollout = serve.get("rollout") if isinstance(serve, Mapping) else None
        if isinstance(rollout, Mapping) and rollout.get("bucket_by", "key") == "key":
            return True
    return any(
        clause.get("attribute") == "key" and clause.get("op") != "segment_match"
        for clause in _clauses(flag)
    )


def find_prerequisite_cycle(flags: Mapping[str, Any]) -> list[str] | None:
    """A prerequisite cycle among ``flags`` (key -> flag) as ``["a", "b", "a"]``, or None.

    Prerequisites naming flags absent from ``flags`` are ignored. The search is
    iterative and visits flags and prerequisites in the given order, so the answer is
    deterministic.
    """
    if not isinstance(flags, Mapping):
        return None
    graph = {k: [p for p in _prerequisite_keys(f) if p in flags] for k, f in flags.items()}
    done: set[Any] = set()
    for start in graph:
        if start in done:
            continue
        cycle = _search(graph, start, done)
        if cycle is not None:
            return cycle
    return None


def _search(graph: Mapping[Any, list[Any]], start: Any, done: set[Any]) -> list[str] | None:
    path: list[Any] = [start]
    on_path = {start}
    iterators: list[Iterator[Any]] = [iter(graph[start])]
    while iterators:
        nxt = next(iterators[-1], None)
        if nxt is None:
            finished = path.pop()
            on_path.discard(finished)
            done.add(finished)
            iterators.pop()
        elif nxt in on_path:
            return [*path[path.index(nxt) :], nxt]
        elif nxt not in done:
            path.append(nxt)
            on_path.add(nxt)
            iterators.append(iter(graph[nxt]))
    return None


def _prerequisite_keys(flag: Any) -> list[str]:
    if not isinstance(flag, Mapping) or not isinstance(flag.get("prerequisites"), list):
        return []
    return [
        p["key"]
        for p in flag["prerequisites"]
        if isinstance(p, Mapping) and isinstance(p.get("key"), str)
    ]


def _clauses(flag: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(flag, Mapping) or not isinstance(flag.get("rules"), list):
        return
    for rule in flag["rules"]:
        if isinstance(rule, Mapping) and isinstance(rule.get("clauses"), list):
            yield from (c for c in rule["clauses"] if isinstance(c, Mapping))
