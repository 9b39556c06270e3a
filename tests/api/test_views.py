"""Every response model of ``/openapi.json`` describes what the services really answer.

The models in ``api/models.py`` and the domain packages say what each route answers;
here a real answer of each (tests/api/views_served.py) is read against its model
strictly: no key the model does not describe, every required key present, and every
type as documented, without coercion. A route whose model has no answer here fails
the coverage test.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from premiere.api import create_app
from premiere.api.models import ProjectView, Resource, View
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.conftest import _postgres_database

from .support import MAX_BODY_BYTES, Api, running
from .views_served import SERVED, served
from .views_world import World, build_world

APP = create_app(Settings(database_url="unused://"))
SPEC: dict[str, Any] = APP.openapi()


def response_models() -> dict[str, type[View]]:
    """The response models the document names for its answers, by component name."""
    documented = documented_answer_components()
    return {model.__name__: model for model in _subclasses(View) if model.__name__ in documented}


def _subclasses(model: type[View]) -> Iterator[type[View]]:
    for subclass in model.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def documented_answer_components() -> set[str]:
    """Component names that the document's answers (success and error) refer to directly."""
    names: set[str] = set()
    for operations in SPEC["paths"].values():
        for operation in operations.values():
            for answer in operation["responses"].values():
                names |= _refs(answer.get("content", {}))
    return names


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        found = {ref.removeprefix("#/components/schemas/")} if ref else set()
        return found.union(*(_refs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(item) for item in schema))
    return set()


MODELS = response_models()


def disagreements(model: type[BaseModel], answer: Any) -> list[str]:
    """Where ``answer`` (as sent: JSON) is not what ``model`` documents; [] when it is."""
    served = json.loads(json.dumps(answer))
    try:
        read = TypeAdapter(model).validate_python(served, strict=True)
    except ValidationError as error:
        return [
            f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']} ({e['type']})"
            for e in error.errors()
        ]
    return list(_undocumented(read, model.__name__))


def _undocumented(value: Any, path: str) -> Iterator[str]:
    """Keys read into a model's extras: served, but described nowhere."""
    if isinstance(value, BaseModel):
        for key in value.__pydantic_extra__ or {}:
            yield f"{path}.{key}: served but not documented"
        for name, field in type(value).model_fields.items():
            yield from _undocumented(getattr(value, name), f"{path}.{_alias(name, field)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _undocumented(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _undocumented(item, f"{path}.{key}")


def _alias(name: str, field: FieldInfo) -> str:
    return field.alias or name


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One store for every answer, on SQLite and (marked) PostgreSQL: JSON columns
    give their values back per database."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('views') / 'p.db'}"])
    else:
        urls = _postgres_database()
    store = Store.open(next(urls))
    admin = tokens.ensure_admin_token(store, None)
    assert admin is not None
    settings = Settings(database_url="unused://", max_body_bytes=MAX_BODY_BYTES)
    try:
        with running(create_app(settings, store)) as client:
            yield build_world(Api(client, store, admin))
    finally:
        store.close()
        next(urls, None)  # drops the PostgreSQL database


@pytest.mark.parametrize("name", sorted(SERVED))
def test_view__real_answers__match_the_documented_model(world: World, name: str) -> None:
    answers = served(world, name)
    assert answers, f"no {name} answer to compare"
    problems = {
        re.sub(r"\[\d+\]", "[*]", problem)  # once per key, whichever item
        for answer in answers
        for problem in disagreements(MODELS[name], answer)
    }
    assert not problems, f"{name} and what is served disagree:\n" + "\n".join(sorted(problems))


def test_views__every_documented_response_model__has_real_answers_compared() -> None:
    documented = documented_answer_components()

    assert set(MODELS) == documented  # each a model of the API's
    assert documented - set(SERVED) == set(), "response models with no answers compared"
    assert set(SERVED) - documented == set(), "compared answers of models no route names"


class ProjectViewMissingAKey(Resource):
    """The real ProjectView without ``description``: the key is served, undocumented."""

    name: str


class ProjectViewWithAWrongType(Resource):
    name: str
    description: int


class ProjectViewWithAnAbsentKey(ProjectView):
    owner: str = Field(description="Never served.")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (ProjectViewMissingAKey, "description: served but not documented"),
        (ProjectViewWithAWrongType, "description: Input should be a valid integer (int_type)"),
        (ProjectViewWithAnAbsentKey, "owner: Field required (missing)"),
    ],
)
def test_disagreements__model_and_service_differ__named(
    world: World, model: type[BaseModel], expected: str
) -> None:
    answer = served(world, "ProjectView")[0]

    assert disagreements(ProjectView, answer) == []
    assert any(problem.endswith(expected) for problem in disagreements(model, answer)), (
        disagreements(model, answer)
    )


def test_disagreements__nested_undocumented_key__named(world: World) -> None:
    answer = copy.deepcopy(served(world, "FlagView")[0])
    answer["environments"]["production"]["colour"] = "red"

    assert disagreements(MODELS["FlagView"], answer) == [
        "FlagView.environments.production.colour: served but not documented"
    ]
