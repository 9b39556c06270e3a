"""Request bodies: strict types, unknown fields refused, keys constrained.

These check shape and type only; domain rules (variation indices in range, rollout
weights, regular expressions, references, cycles) are the services' to check, so that
every caller gets them. What is passed on (``Body.data()``) holds the fields sent
plus those with a real default; optional fields that were not sent are left out, so
a PATCH carries only what it changes. ``version`` travels apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    StrictStr,
    model_serializer,
    model_validator,
)

from premiere.api.params import reject_lone_surrogates, reject_unstorable_in_body

KEY_PATTERN = r"^[A-Za-z0-9._-]{1,128}$"

Key = Annotated[str, Field(strict=True, pattern=KEY_PATTERN)]
Name = Annotated[str, Field(strict=True, max_length=200)]
Description = Annotated[str, Field(strict=True, max_length=10_000)]
Version = Annotated[
    StrictInt | None,
    Field(description="The version this update is based on (or send If-Match)."),
]
FlagKind = Literal["boolean", "string", "number", "json"]
Scope = Literal["admin", "deploy", "sdk-server", "sdk-client"]


def optional() -> Any:
    """An optional field that, when sent, may not be null (absent means unchanged)."""
    return Field(default=None)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_lone_surrogates(cls, data: Any) -> Any:
        """400 before any field is read: the same answer whichever field holds one."""
        reject_lone_surrogates(data)
        return data

    @model_serializer(mode="wrap")
    def _drop_absent_optionals(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Optional fields (default None) appear only when sent; defaults fill the rest."""
        data: dict[str, Any] = handler(self)
        if not isinstance(self, Body):  # pragma: no cover - pydantic passes None for absent
            return data
        for name, info in type(self).model_fields.items():
            if info.default is None and name not in self.model_fields_set:
                data.pop(name, None)
        return data

    def data(self) -> dict[str, Any]:
        """The body for the services (``version`` travels apart); nothing unstorable."""
        data = self.model_dump(exclude={"version"})
        reject_unstorable_in_body(data)
        return data


# projects, environments, services -------------------------------------------------


class ProjectCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()


class ProjectUpdate(Body):
    name: Name = optional()
    description: Description = optional()
    version: Version = None


class EnvironmentCreate(Body):
    key: Key
    name: Name = optional()
    production: StrictBool = optional()
    position: Annotated[StrictInt, Field(ge=0)] = optional()


class EnvironmentUpdate(Body):
    name: Name = optional()
    production: StrictBool = optional()
    position: Annotated[StrictInt, Field(ge=0)] = optional()
    version: Version = None


class ServiceCreate(Body):
    key: Key
    name: Name = optional()
    description: Description = optional()
    repository: Annotated[str, Field(strict=True, max_length=2000)] = optional()


class ServiceUpdate(Body):
    name: Name = optional()
    description: Description = optional()
    repository: Annotated[str, Field(strict=True, max_length=2000)] = optional()
    version: Version = None


# flags -------------------------------------------------------------------------------


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


class VersionOnly(Body):
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


# tokens ------------------------------------------------------------------------------


class TokenCreate(Body):
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    scope: Scope
    project: Key = optional()
    environment: Key = optional()
