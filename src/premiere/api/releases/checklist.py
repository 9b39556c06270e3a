"""The go-to-market checklist over HTTP (admin tokens): a project's template at
``/api/v1/projects/{project}/checklist-template``, a release's checklist at
``.../releases/{release}/checklist``, an item ticked or unticked by POSTing to
``.../checklist/{item}/tick`` or ``/untick``. Required items not done are missing in the
release's readiness; see ``services/releases/checklist.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field, StrictBool, StrictInt
from starlette.responses import JSONResponse

from premiere.api.auth import Reader, ReleaseManager, StoreDep, actor_of
from premiere.api.models import COMMON_ERRORS, ActorView, Body, Key, Name, View, answers, optional
from premiere.services.releases import checklist as service
from premiere.services.releases import checklist_templates as templates

router = APIRouter(prefix="/projects/{project}", tags=["releases"], responses=COMMON_ERRORS)

Owner = Annotated[str, Field(strict=True, max_length=200, description="A name or an email.")]
DaysBefore = Annotated[
    StrictInt | None,
    Field(description="Due this many days before the release's planned start (0 or more)."),
]


class TemplateItemBody(Body):
    key: Key = optional("Unique in the list; made from the title when absent.")
    title: Name = optional("Required.")
    owner: Owner = optional("Required: an item without an owner is refused.")
    required: StrictBool = optional("Required items must be done before the release starts.")
    due_days_before: DaysBefore = None


class ChecklistItemBody(TemplateItemBody):
    due_at: str | None = Field(
        default=None, description="RFC 3339 with an offset; instead of due_days_before."
    )


class TemplateBody(Body):
    items: list[TemplateItemBody]


class ChecklistBody(Body):
    items: list[ChecklistItemBody]


class TemplateItemView(View):
    key: str
    title: str
    owner: str
    required: bool
    due_days_before: int | None


class ChecklistTemplateView(View):
    project: str
    items: list[TemplateItemView]
    version: int = Field(description="0 until the template is first set.")


class ChecklistItemView(TemplateItemView):
    due_at: str | None = Field(description="RFC 3339, UTC: explicit, or from due_days_before.")
    overdue: bool = Field(description="Due in the past and not done.")
    done: bool
    done_at: str | None = Field(description="When it was ticked (RFC 3339, UTC).")
    done_by: ActorView | None = Field(description="Who ticked it.")


class ChecklistView(View):
    release: str
    state: str = Field(description="The release's state.")
    items: list[ChecklistItemView]
    missing: list[str] = Field(description="Keys of the required items not done yet.")


@router.get(
    "/checklist-template",
    summary="A project's go-to-market checklist template",
    responses=answers(ChecklistTemplateView, 404),
)
def get_template(store: StoreDep, token: Reader, project: str) -> JSONResponse:
    return JSONResponse(templates.get_checklist_template(store, project))


@router.put(
    "/checklist-template",
    summary="Replace the template (new releases get a copy; existing ones keep theirs)",
    responses=answers(ChecklistTemplateView, 404),
)
def set_template(
    store: StoreDep, token: ReleaseManager, project: str, body: TemplateBody
) -> JSONResponse:
    view = templates.set_checklist_template(store, actor_of(token), project, body.data())
    return JSONResponse(view)


@router.get(
    "/releases/{release}/checklist",
    summary="A release's go-to-market checklist",
    responses=answers(ChecklistView, 404),
)
def get_checklist(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    return JSONResponse(service.get_release_checklist(store, project, release))


@router.put(
    "/releases/{release}/checklist",
    summary="Replace a release's checklist (items kept by key keep their ticks; any state)",
    responses=answers(ChecklistView, 404),
)
def set_checklist(
    store: StoreDep, token: ReleaseManager, project: str, release: str, body: ChecklistBody
) -> JSONResponse:
    data = body.data()
    view = service.set_release_checklist(store, actor_of(token), project, release, data)
    return JSONResponse(view)


@router.post(
    "/releases/{release}/checklist/{item}/tick",
    summary="Mark an item done (audited as readiness.item_done)",
    responses=answers(ChecklistItemView, 404),
)
def tick(
    store: StoreDep, token: ReleaseManager, project: str, release: str, item: str
) -> JSONResponse:
    view = service.tick_checklist_item(store, actor_of(token), project, release, item)
    return JSONResponse(view)


@router.post(
    "/releases/{release}/checklist/{item}/untick",
    summary="Mark an item not done (audited as readiness.item_undone)",
    responses=answers(ChecklistItemView, 404),
)
def untick(
    store: StoreDep, token: ReleaseManager, project: str, release: str, item: str
) -> JSONResponse:
    view = service.untick_checklist_item(store, actor_of(token), project, release, item)
    return JSONResponse(view)
