"""People, their roles and invitations (``people.manage``: an admin of every project),
and service accounts with their deploy tokens (``tokens.manage``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from premiere.api.auth import PeopleAdmin, StoreDep, TokenAdmin, actor_of
from premiere.api.models import COMMON_ERRORS, TokenCreated, answers
from premiere.api.people.account import Now, created
from premiere.api.people.models import (
    InvitationCreate,
    InvitationCreated,
    InvitationView,
    PersonUpdate,
    PersonView,
    RolesSet,
    ServiceAccountCreate,
    ServiceTokenCreate,
)
from premiere.services.people import accounts, invitations, service_accounts

router = APIRouter(tags=["people"], responses=COMMON_ERRORS)


@router.get("/people", summary="List people with their roles", responses=answers(list[PersonView]))
def list_people(store: StoreDep, token: PeopleAdmin) -> JSONResponse:
    return JSONResponse(accounts.list_people(store))


@router.get("/people/{person_id}", summary="Get a person", responses=answers(PersonView, 404))
def get_person(store: StoreDep, token: PeopleAdmin, person_id: str) -> JSONResponse:
    return JSONResponse(accounts.get_person(store, person_id))


@router.patch("/people/{person_id}", summary="Rename a person", responses=answers(PersonView, 404))
def rename_person(
    store: StoreDep, token: PeopleAdmin, person_id: str, body: PersonUpdate
) -> JSONResponse:
    return JSONResponse(accounts.rename_person(store, actor_of(token), person_id, body.data()))


@router.put(
    "/people/{person_id}/roles",
    summary="Replace a person's roles (one per project; null project: every project)",
    responses=answers(PersonView, 404),
)
def set_roles(store: StoreDep, token: PeopleAdmin, person_id: str, body: RolesSet) -> JSONResponse:
    roles = body.data()["roles"]
    return JSONResponse(accounts.set_roles(store, actor_of(token), person_id, roles))


@router.delete(
    "/people/{person_id}",
    summary="Remove a person: their sessions end and their tokens are revoked",
    responses=answers(PersonView, 404),
)
def remove_person(store: StoreDep, token: PeopleAdmin, person_id: str) -> JSONResponse:
    return JSONResponse(accounts.remove_person(store, actor_of(token), person_id))


@router.get(
    "/invitations",
    summary="List open invitations (expired ones say so)",
    responses=answers(list[InvitationView]),
)
def list_invitations(store: StoreDep, token: PeopleAdmin, at: Now) -> JSONResponse:
    return JSONResponse(invitations.list_invitations(store, now=at))


@router.post(
    "/invitations",
    status_code=201,
    summary="Invite someone by email with a role; the response holds the link once",
    responses=answers(InvitationCreated, 404, 409, status=201),
)
def invite_person(
    store: StoreDep, token: PeopleAdmin, body: InvitationCreate, request: Request, at: Now
) -> JSONResponse:
    view = dict(invitations.invite_person(store, actor_of(token), body.data(), now=at))
    public_url = request.app.state.settings.public_url
    if public_url:
        view["link"] = f"{public_url.rstrip('/')}{view['link']}"
    return created(view, f"/api/v1/invitations/{view['id']}")


@router.delete(
    "/invitations/{invitation_id}",
    summary="Revoke an invitation (its link stops working)",
    responses=answers(InvitationView, 404),
)
def revoke_invitation(
    store: StoreDep, token: PeopleAdmin, invitation_id: str, at: Now
) -> JSONResponse:
    view = invitations.revoke_invitation(store, actor_of(token), invitation_id, now=at)
    return JSONResponse(view)


@router.get(
    "/service-accounts",
    summary="List service accounts (what pipelines' tokens belong to)",
    responses=answers(list[PersonView]),
)
def list_service_accounts(store: StoreDep, token: TokenAdmin) -> JSONResponse:
    return JSONResponse(service_accounts.list_service_accounts(store))


@router.post(
    "/service-accounts",
    status_code=201,
    summary="Create a service account",
    responses=answers(PersonView, status=201),
)
def create_service_account(
    store: StoreDep, token: TokenAdmin, body: ServiceAccountCreate
) -> JSONResponse:
    view = accounts.create_service_account(store, actor_of(token), body.data())
    return JSONResponse(
        view, status_code=201, headers={"Location": f"/api/v1/service-accounts/{view['id']}"}
    )


@router.post(
    "/service-accounts/{account_id}/tokens",
    status_code=201,
    summary="Create a deploy token owned by the service account; the response holds it once",
    responses=answers(TokenCreated, 404, status=201),
)
def create_service_token(
    store: StoreDep, token: TokenAdmin, account_id: str, body: ServiceTokenCreate
) -> JSONResponse:
    view = service_accounts.create_service_token(store, actor_of(token), account_id, body.data())
    return created(view, f"/api/v1/tokens/{view['id']}")


@router.delete(
    "/service-accounts/{account_id}",
    summary="Remove a service account: its tokens are revoked",
    responses=answers(PersonView, 404),
)
def remove_service_account(store: StoreDep, token: TokenAdmin, account_id: str) -> JSONResponse:
    view = service_accounts.remove_service_account(store, actor_of(token), account_id)
    return JSONResponse(view)
