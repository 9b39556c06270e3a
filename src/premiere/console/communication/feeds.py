"""The project's page for its changelog and feeds (``/projects/<p>/settings/changelog``,
linked from the settings page): the changelog on or off, the categories it shows, and
the addresses of the changelog page, its Atom and JSON feeds and the releases calendar.
The form calls the same service as every other transport would."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import SettingsAdmin, actor_of, store_of
from premiere.console.forms import FormErrors, submit_form
from premiere.console.pages import frame, page
from premiere.errors import ValidationError
from premiere.services.communication import changelog as service
from premiere.services.communication.fields import CATEGORIES
from premiere.store import Store

router = APIRouter(include_in_schema=False)

SETTINGS = "/projects/{project}/settings/changelog"


@router.get(SETTINGS)
async def settings_page(request: Request, project: str, session: SettingsAdmin) -> Response:
    view = await run_in_threadpool(build_settings_page, store_of(request), project, _site(request))
    return page(request, "communication/feeds.html", view)


@router.post(SETTINGS)
async def settings_form(request: Request, project: str, session: SettingsAdmin) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_settings_page, store, project, _site(request))

    def save(form: dict[str, str]) -> Any:
        data = {
            "enabled": form.get("enabled") == "true",
            "categories": [c for c in CATEGORIES if form.get(f"category-{c}") == "true"],
        }
        version = form.get("version", "")
        if not version.isdigit():
            raise ValidationError.single("version", "type", "must be a whole number")
        return service.update_changelog_settings(
            store, actor_of(session), project, data, int(version)
        )

    return await submit_form(
        request,
        session,
        save,
        success=lambda _: f"/projects/{project}/settings/changelog",
        template="communication/feeds.html",
        context=view,
        field_names={f"categories[{i}]": "categories" for i in range(len(CATEGORIES))},
    )


def build_settings_page(store: Store, project: str, site: str) -> dict[str, Any]:
    settings = service.get_changelog_settings(store, project)
    changelog = f"{site}/changelog/{project}"
    return {
        **frame(store, project, "settings"),
        "settings": settings,
        "categories": CATEGORIES,
        "addresses": {
            "page": changelog,
            "atom": f"{changelog}/feed.atom",
            "json": f"{changelog}/feed.json",
            "calendar": f"{site}/api/v1/projects/{project}/calendar.ics?token=",
        },
        "form": {},
        "errors": FormErrors(),
    }


def _site(request: Request) -> str:
    return str(request.base_url).rstrip("/")
