"""``install_console(app, settings)``: the console's pages on an app of ``create_app``.

The API layer does not know the console; the ``serve`` command (and tests) build the
API's app and install the console on it, so both share one store, one process and one
port: pages at ``/``, the API under ``/api/v1``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from premiere.console import audit, overview, signin, stream, tokens
from premiere.console.assets import CACHE_FOREVER, Assets
from premiere.console.auth import ConsoleState, session_policy
from premiere.console.communication import changelog as public_changelog
from premiere.console.communication import deliveries as webhook_deliveries
from premiere.console.communication import feeds as feed_settings
from premiere.console.communication import subscribers as subscriber_pages
from premiere.console.communication import webhooks as webhook_pages
from premiere.console.deployments import checks as check_pages
from premiere.console.deployments import pages as deployment_pages
from premiere.console.deployments import settings as settings_pages
from premiere.console.errors import install_error_pages, not_found_page
from premiere.console.flags import listing as flag_list
from premiere.console.flags import page as flag_page
from premiere.console.flags import rules, segments
from premiere.console.insights import measures, timeline
from premiere.console.pages import make_templates, secure
from premiere.console.people import account as my_account
from premiere.console.people import join, listing, person, service_accounts, sso
from premiere.console.releases import actions as release_actions
from premiere.console.releases import checklist as release_checklist
from premiere.console.releases import create as release_create
from premiere.console.releases import edit as release_edit
from premiere.console.releases import lists as release_lists
from premiere.console.releases import note_forms as release_notes
from premiere.console.releases import page as release_page
from premiere.services.people.oidc_config import config_from_settings
from premiere.settings import Settings
from premiere.store.types import utc_now


def install_console(
    app: FastAPI, settings: Settings, *, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    """Add the console to ``app`` (returned, for chaining); ``clock`` times sessions.
    A single sign-on setting that makes no sense raises ``ValidationError`` naming it."""
    assets = Assets()
    app.state.console = ConsoleState(
        templates=make_templates(assets),
        assets=assets,
        policy=session_policy(
            settings.console_session_idle_seconds, settings.console_session_max_age_seconds
        ),
        clock=clock,
        sso=config_from_settings(settings),
        public_url=settings.public_url,
    )
    install_error_pages(app)

    @app.get("/static/{name:path}", include_in_schema=False)
    async def static(request: Request, name: str) -> Response:
        asset = assets.find(name)
        if asset is None:
            return not_found_page(request)
        headers = {"Cache-Control": CACHE_FOREVER}
        return secure(Response(asset.content, media_type=asset.media_type, headers=headers))

    flags = (rules, segments, flag_list, flag_page)
    insights = (timeline, measures)
    pages = (*flags, audit, tokens, deployment_pages, settings_pages, check_pages, *insights)
    # webhooks: the fixed paths (new) before a webhook's id
    communication = (webhook_pages, webhook_deliveries, subscriber_pages)
    for module in (signin, sso, overview, stream, *pages, *communication):
        app.include_router(module.router)
    # releases: the fixed paths (calendar, new) before a release's key
    # and a release's checklist and notes before its actions (``/releases/{key}/{action}``)
    releases = (
        release_lists,
        release_create,
        release_edit,
        release_page,
        release_checklist,
        release_notes,
        release_actions,
    )
    for module in releases:
        app.include_router(module.router)
    # communication: the public changelog and its feeds (no sign-in), their settings
    for module in (public_changelog, feed_settings):
        app.include_router(module.router)
    # people: the fixed paths (invite, invitations) before a person's id
    for module in (join, listing, person, service_accounts, my_account):
        app.include_router(module.router)
    return app
