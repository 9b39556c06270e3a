"""The demo project "Acme Shop": declarative data, and ``seed_demo`` to create it.

Everything is created through the services, as the ``demo`` system actor, so the
same validation and audit apply as to any change made over the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from premiere.errors import NotFoundError

if TYPE_CHECKING:
    from datetime import datetime

    from premiere.services import Actor
    from premiere.store import Store

DEMO_PROJECT = "demo"

PROJECT = {
    "key": DEMO_PROJECT,
    "name": "Acme Shop",
    "description": "A web shop with an API, a storefront and an order worker.",
}

ENVIRONMENTS = [
    {"key": "development", "name": "Development", "production": False},
    {"key": "testing", "name": "Testing", "production": False},
    {"key": "staging", "name": "Staging", "production": False},
    {"key": "production", "name": "Production", "production": True},
]

SERVICES = [
    {"key": "api", "name": "Shop API", "description": "Catalogue, cart and checkout API.",
     "repository": "https://git.acme.example/shop/api"},
    {"key": "web", "name": "Storefront", "description": "The web shop customers use.",
     "repository": "https://git.acme.example/shop/web"},
    {"key": "worker", "name": "Order worker", "description": "Exports orders to fulfilment.",
     "repository": "https://git.acme.example/shop/worker"},
]  # fmt: skip


def clause(attribute: str, op: str, *values: Any, negate: bool = False) -> dict[str, Any]:
    return {"attribute": attribute, "op": op, "values": list(values), "negate": negate}


def in_segment(*keys: str) -> dict[str, Any]:
    return clause("key", "segment_match", *keys)


def rollout(*weights: tuple[int, float]) -> dict[str, Any]:
    """``rollout((0, 25), (1, 75))``: percentages per variation index."""
    return {
        "rollout": {
            "bucket_by": "key",
            "variations": [{"variation": v, "weight": round(p * 1000)} for v, p in weights],
        }
    }


def rule(rule_id: str, serve: Any, *clauses: dict[str, Any], why: str = "") -> dict[str, Any]:
    result = {"id": rule_id, "clauses": list(clauses), "serve": serve}
    if why:
        result["description"] = why
    return result


SEGMENTS = [
    {
        "key": "staff",
        "name": "Acme staff",
        "description": "Everyone with an @acme.example address, and two contractors.",
        "included": ["contractor-7", "contractor-9"],
        "excluded": [],
        "rules": [
            {"id": "staff-email", "clauses": [clause("email", "ends_with", "@acme.example")]}
        ],
    },
    {
        "key": "beta-testers",
        "name": "Beta testers",
        "description": "Customers who opted in to try features early.",
        "included": ["user-1001", "user-1002", "user-1003"],
        "excluded": ["user-1666"],
        "rules": [{"id": "opted-in", "clauses": [clause("beta_opt_in", "in", True)]}],
    },
]


@dataclass(frozen=True)
class DemoFlag:
    """A flag to create, its configuration per environment, and whether it is archived."""

    create: dict[str, Any]
    configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    archived: bool = False


def on(serve: Any = None, **fields: Any) -> dict[str, Any]:
    """A configuration that is on and serves ``serve`` (a variation index) by default."""
    fallthrough = {"variation": 0} if serve is None else serve
    if isinstance(fallthrough, int):
        fallthrough = {"variation": fallthrough}
    return {"on": True, "fallthrough": fallthrough, **fields}


PAYMENTS = [{"key": "payments-v2", "variation": 0}]
BOOL = [{"value": True, "name": "on"}, {"value": False, "name": "off"}]

FLAGS = [
    DemoFlag(
        {"key": "payments-v2", "name": "Payments v2", "tags": ["checkout", "api"],
         "description": "The new payment provider integration in the API."},
        {env: on() for env in ("development", "testing", "staging", "production")},
    ),
    DemoFlag(
        {"key": "new-checkout", "name": "New checkout", "tags": ["checkout", "web", "api"],
         "description": "One-page checkout; needs payments-v2."},
        {
            "development": on(prerequisites=PAYMENTS),
            "testing": on(prerequisites=PAYMENTS),
            "staging": on(prerequisites=PAYMENTS),
            "production": on(
                rollout((0, 25), (1, 75)),
                prerequisites=PAYMENTS,
                targets=[{"variation": 0, "values": ["user-42"]}],
                rules=[
                    rule("staff", {"variation": 0}, in_segment("staff"), why="Dogfooding"),
                    rule("enterprise", {"variation": 0}, clause("plan", "in", "enterprise"),
                         why="Enterprise customers first"),
                ],
            ),
        },
    ),
    DemoFlag(
        {"key": "dark-mode", "name": "Dark mode", "tags": ["web"], "client_visible": True},
        {
            "development": on(),
            "staging": on(),
            "production": on(
                rollout((0, 10), (1, 90)),
                rules=[rule("beta", {"variation": 0}, in_segment("beta-testers"))],
            ),
        },
    ),
    DemoFlag(
        {"key": "search-v2", "name": "Search ranking", "kind": "string", "tags": ["api", "search"],
         "description": "Which search ranking the API uses.", "off_variation": 0,
         "variations": [{"value": "classic", "name": "Classic"},
                        {"value": "keyword-boost", "name": "Keyword boost"},
                        {"value": "semantic", "name": "Semantic"}]},
        {
            "development": on(2),
            "testing": on(2),
            "staging": on(rollout((0, 33.334), (1, 33.333), (2, 33.333))),
            "production": on(
                rollout((0, 80), (1, 10), (2, 10)),
                rules=[rule("staff", {"variation": 2}, in_segment("staff"))],
            ),
        },
    ),
    DemoFlag(
        {"key": "checkout-button-color", "name": "Checkout button colour", "kind": "string",
         "tags": ["web", "checkout"], "client_visible": True, "off_variation": 0,
         "variations": [{"value": "blue"}, {"value": "green"}, {"value": "orange"}]},
        {
            "development": on(2),
            "staging": on(2),
            "production": on(
                0, rules=[rule("dach", {"variation": 1}, clause("country", "in", "DE", "AT", "CH"))]
            ),
        },
    ),
    DemoFlag(
        {"key": "max-cart-items", "name": "Cart size limit", "kind": "number", "tags": ["api"],
         "off_variation": 0,
         "variations": [{"value": 50}, {"value": 100}, {"value": 250}]},
        {
            "development": on(2),
            "testing": on(2),
            "staging": on(1),
            "production": on(0, rules=[
                rule("enterprise", {"variation": 2}, clause("plan", "in", "enterprise")),
                rule("pro", {"variation": 1}, clause("plan", "in", "pro")),
            ]),
        },
    ),
    DemoFlag(
        {"key": "pricing-page-config", "name": "Pricing page", "kind": "json",
         "tags": ["web", "marketing"], "client_visible": True, "off_variation": 0,
         "variations": [
             {"name": "three tiers",
              "value": {"layout": "three-tier", "highlight": "pro", "annual_discount_percent": 20}},
             {"name": "two tiers",
              "value": {"layout": "two-tier", "highlight": "team", "annual_discount_percent": 15}},
         ]},
        {
            "development": on(1),
            "staging": on(1),
            "production": on(
                0, rules=[rule("beta", {"variation": 1}, in_segment("beta-testers"))]
            ),
        },
    ),
    DemoFlag(
        {"key": "maintenance-banner", "name": "Maintenance banner", "tags": ["web", "ops"],
         "client_visible": True, "variations": BOOL,
         "description": "Kill switch: show a banner while checkout is degraded."},
        {"testing": on()},
    ),
    DemoFlag(
        {"key": "holiday-sale", "name": "Holiday sale", "tags": ["web", "marketing"],
         "client_visible": True},
        {
            "development": on(),
            "staging": on(),
            "production": on(1, rules=[rule(
                "sale-window", {"variation": 0},
                clause("now", "after", "2026-11-27T00:00:00Z"),
                clause("now", "before", "2026-12-01T00:00:00Z"),
                why="Black Friday to Cyber Monday",
            )]),
        },
    ),
    DemoFlag(
        {"key": "recommendations-model", "name": "Recommendations model", "kind": "string",
         "tags": ["api", "ml"], "off_variation": 0,
         "variations": [{"value": "v1"}, {"value": "v2"}]},
        {
            "development": on(1),
            "staging": on(1),
            "production": on(0, rules=[
                rule("eu", {"variation": 1}, clause("region", "in", "eu-west-1")),
                rule("new-apps", rollout((0, 50), (1, 50)),
                     clause("app_version", "semver_gte", "3.2.0")),
            ]),
        },
    ),
    DemoFlag(
        {"key": "order-export-batch-size", "name": "Order export batch size", "kind": "number",
         "tags": ["worker"], "off_variation": 0,
         "variations": [{"value": 100}, {"value": 500}, {"value": 1000}]},
        {"development": on(0), "testing": on(0), "staging": on(1), "production": on(1)},
    ),
    DemoFlag(
        {"key": "legacy-cart", "name": "Legacy cart", "tags": ["checkout"],
         "description": "The old cart; replaced by new-checkout."},
        {"production": on()},
        archived=True,
    ),
]  # fmt: skip


# Which version of each service runs where: (service, version, commit, environments,
# the flag keys its code carries). Newer versions have not reached production yet, and
# maintenance-banner's code runs in production while the flag is off there: dark code.
DEPLOYMENTS = [
    ("api", "1.4.0", "3f2a9c1", ("development", "testing", "staging", "production"),
     ["payments-v2", "new-checkout", "search-v2", "max-cart-items"]),
    ("web", "2.3.0", "9b07e44", ("development", "testing", "staging", "production"),
     ["new-checkout", "dark-mode", "checkout-button-color", "pricing-page-config",
      "maintenance-banner", "holiday-sale"]),
    ("worker", "0.9.2", "c51d2e8", ("development", "testing", "staging", "production"),
     ["order-export-batch-size"]),
    ("api", "1.5.0", "a81e0b7", ("development", "testing", "staging"),
     ["payments-v2", "new-checkout", "search-v2", "max-cart-items", "recommendations-model"]),
    ("web", "2.4.0", "e4c3f10", ("development", "staging"),
     ["new-checkout", "dark-mode", "checkout-button-color", "pricing-page-config",
      "maintenance-banner", "holiday-sale"]),
]  # fmt: skip


# A draft release: recommendations v2 for everyone in production, once the api version
# that carries it (1.5.0, in staging so far) is verified there, support is briefed (its
# go-to-market checklist, from the project's template) and someone approves. Its notes
# are published at its first public stage (5 %); demo_story.py adds two more entries.
RELEASE = {
    "key": "recommendations-v2",
    "name": "Recommendations v2",
    "description": "The new recommendations model for every shopper.",
    "environment": "production",
    "features": [
        {"flag": "recommendations-model", "variation": 1, "min_versions": {"api": "1.5.0"}}
    ],
    "notes": {
        "title": "Better recommendations",
        "body": "Recommendations now learn from what you **viewed**, not only what you bought.",
        "category": "new",
    },
    "announce": {"at": "first_public"},
    "plan": {
        "stages": [
            {"segment": "staff", "hold_seconds": 3600, "advance": "auto"},
            {"percent": 5, "hold_seconds": 3600, "advance": "auto"},
            {"percent": 25, "hold_seconds": 86400, "advance": "manual"},
            {"percent": 100, "hold_seconds": 0, "advance": "auto"},
        ]
    },
    "guards": [
        {"metric": "errors", "aggregate": "rate", "max_regression": 0.1, "alpha": 0.05,
         "min_sample": 500, "action": "rollback"}
    ],
    "required_approvals": 1,
}  # fmt: skip


def seed_demo(store: Store, *, history_until: datetime | None = None) -> dict[str, Any] | None:
    """Create the demo project unless a project named ``demo`` exists; say what was made.

    With ``history_until`` (the present), about four months of deployments, releases
    and incidents before it come first (demo_history.py), for the insights."""
    from premiere.cli.server import demo_story as story
    from premiere.cli.server.demo_history import seed_history
    from premiere.services import catalog, environments, projects
    from premiere.services.flags import definitions as flags
    from premiere.services.flags import segments
    from premiere.services.releases import records as releases

    actor, key = demo_actor(), DEMO_PROJECT
    try:
        projects.get_project(store, DEMO_PROJECT)
        return None
    except NotFoundError:
        pass
    project = projects.create_project(store, actor, PROJECT)
    for env in ENVIRONMENTS:
        environments.create_environment(store, actor, key, env)
    for service in SERVICES:
        catalog.create_service(store, actor, key, service)
    for segment in SEGMENTS:
        segments.create_segment(store, actor, key, segment)
    for demo in FLAGS:
        flags.create_flag(store, actor, key, demo.create)
    for demo in FLAGS:
        _configure(store, actor, demo)
    history = None if history_until is None else seed_history(store, key, now=history_until)
    deployed = _deploy(store, actor)
    story.seed_checklist_template(store, actor, key)
    earlier = story.seed_earlier_release(store, actor, key)
    release = releases.create_release(store, actor, key, RELEASE)
    story.seed_release_notes(store, actor, key, release["key"])
    return {
        "project": project,
        "environments": [e["key"] for e in ENVIRONMENTS],
        "services": [s["key"] for s in SERVICES],
        "segments": [s["key"] for s in SEGMENTS],
        "flags": [f.create["key"] for f in FLAGS if not f.archived],
        "archived_flags": [f.create["key"] for f in FLAGS if f.archived],
        "deployments": deployed,
        "releases": [earlier, release["key"]],
        **story.story_summary(store, key),
        **({"history": history} if history else {}),
    }


def demo_actor() -> Actor:
    """The audit log's "who" for everything the seed creates: the system actor ``demo``."""
    from premiere.services import Actor

    return Actor(kind="system", id="demo", name="demo")


def _configure(store: Store, actor: Actor, demo: DemoFlag) -> None:
    from premiere.services.flags import definitions as flags

    project, flag_key = DEMO_PROJECT, demo.create["key"]
    for env, config in demo.configs.items():
        current = flags.get_flag_config(store, project, flag_key, env)
        flags.update_flag_config(
            store, actor, project, flag_key, env, dict(config), current["version"], partial=True
        )
    if demo.archived:
        version = flags.get_flag(store, project, flag_key)["version"]
        flags.archive_flag(store, actor, project, flag_key, version)


def _deploy(store: Store, actor: Actor) -> list[str]:
    """Record and finish the demo's deployments (no checks, so each is verified at once)."""
    from premiere.services.deployments import ledger as deployments

    made = []
    for service, version, commit, environments, features in DEPLOYMENTS:
        for env in environments:
            data: dict[str, Any] = {"service": service, "environment": env, "version": version}
            data |= {"commit_sha": commit, "features": features, "status": "in_progress"}
            view, _ = deployments.record_deployment(store, actor, DEMO_PROJECT, data)
            deployments.finish_deployment(
                store, actor, DEMO_PROJECT, view["id"], {"outcome": "succeeded"}
            )
        made.append(f"{service} {version}: {', '.join(environments)}")
    return made
