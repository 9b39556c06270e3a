"""Request bodies and response shapes of flags, their configurations and segments.

Bodies check shape and type only (see :mod:`premiere.api.models`); the views say what
the services' dicts look like in ``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from premiere.api.models import Body, Description, Key, Name, Resource, Version, View, optional

FlagKind = Literal["boolean", "string", "number", "json"]


class Variation(Body):
    value: Any = Field(description="The value served; must fit the flag's kind.")
    name: Name = optional()
    description: Description = optional()


Tags = Annotated[list[Key], Field(max_length=100)]


class FlagCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()
    kind: FlagKind = "boolean"
    variations: Annotated[list[Variation], Field(min_length=1, max_length=1000)] = optional()
    tags: Tags = optional()
    client_visible: StrictBool = optional()
    on_variation: Annotated[StrictInt, Field(ge=0)] = optional()
    off_variation: Annotated[StrictInt, Field(ge=0)] | None = None


class FlagUpdate(Body):
    name: Name = optional()
    description: Description = optional()
    kind: FlagKind = optional()
    variations: Annotated[list[Variation], Field(min_length=1, max_length=1000)] = optional()
    tags: Tags = optional()
    client_visible: StrictBool = optional()
    version: Version = None


class WeightedVariation(Body):
    variation: StrictInt
    weight: StrictInt


class Rollout(Body):
    bucket_by: Annotated[str, Field(strict=True, min_length=1, max_length=256)] = "key"
    variations: Annotated[list[WeightedVariation], Field(min_length=1, max_length=1000)]


class Serve(Body):
    """Exactly one of ``variation`` or ``rollout`` (checked by the services)."""

    variation: StrictInt | None = None
    rollout: Rollout | None = None


class Clause(Body):
    attribute: Annotated[str, Field(strict=True, max_length=1000)] = optional()
    op: Annotated[StrictStr, Field(max_length=64)]
    values: Annotated[list[Any], Field(max_length=10_000)]
    negate: StrictBool = False


class Rule(Body):
    id: Key = optional()
    description: Description = optional()
    clauses: Annotated[list[Clause], Field(max_length=1000)]
    serve: Serve


class Prerequisite(Body):
    key: Key
    variation: StrictInt


class Target(Body):
    variation: StrictInt
    values: Annotated[list[Annotated[str, Field(strict=True)]], Field(max_length=100_000)]


Prerequisites = Annotated[list[Prerequisite], Field(max_length=100)]
Targets = Annotated[list[Target], Field(max_length=1000)]
Rules = Annotated[list[Rule], Field(max_length=1000)]


class FlagConfigReplace(Body):
    """PUT: the whole configuration of a flag in one environment.

    Omitted fields take their defaults (off, no off-variation, no prerequisites,
    targets or rules); ``fallthrough`` is required.
    """

    on: StrictBool = optional()
    off_variation: StrictInt | None = None
    prerequisites: Prerequisites = optional()
    targets: Targets = optional()
    rules: Rules = optional()
    fallthrough: Serve
    version: Version = None


class FlagConfigPatch(Body):
    """PATCH: the given top-level fields replace the current ones."""

    on: StrictBool = optional()
    off_variation: StrictInt | None = None
    prerequisites: Prerequisites = optional()
    targets: Targets = optional()
    rules: Rules = optional()
    fallthrough: Serve = optional()
    version: Version = None


class EvaluateRequest(Body):
    context: dict[str, Any] = Field(description="The evaluation context; `key` targets.")


# segments ----------------------------------------------------------------------------


class SegmentRule(Body):
    id: Key = optional()
    description: Description = optional()
    clauses: Annotated[list[Clause], Field(max_length=1000)]


SegmentKeys = Annotated[list[Annotated[str, Field(strict=True)]], Field(max_length=100_000)]


class SegmentCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()
    included: SegmentKeys = []
    excluded: SegmentKeys = []
    rules: Annotated[list[SegmentRule], Field(max_length=1000)] = []


class SegmentReplace(Body):
    name: Name = optional()
    description: Description = optional()
    included: SegmentKeys = []
    excluded: SegmentKeys = []
    rules: Annotated[list[SegmentRule], Field(max_length=1000)] = []
    version: Version = None


# response shapes (what the services return, as /openapi.json describes it) -------------


class VariationView(View):
    value: Any
    name: str | None
    description: str | None


class FlagConfigView(View):
    flag: str
    environment: str
    on: bool
    off_variation: int | None
    prerequisites: list[Prerequisite]
    targets: list[Target]
    rules: list[Rule]
    fallthrough: Serve
    version: int
    updated_at: str


class FlagView(Resource):
    project: str
    name: str
    description: str
    kind: str = Field(description="boolean, string, number or json.")
    variations: list[VariationView]
    tags: list[str]
    client_visible: bool
    archived: bool
    salt: str
    environments: dict[str, FlagConfigView] = Field(description="Configuration per environment.")


class SegmentView(Resource):
    project: str
    name: str
    description: str
    included: list[str]
    excluded: list[str]
    rules: list[SegmentRule]


class EvaluationView(View):
    flag: str
    value: Any
    variation: int | None
    reason: dict[str, Any] = Field(description='{"kind": "RULE_MATCH", "rule_id": ...}')
