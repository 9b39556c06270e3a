"""Bodies and answers of the people routes: the caller's own account, signing in from
the CLI, people and their roles, invitations, service accounts."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from premiere.api.models import Body, Key, Name, Role, View, optional

Email = Annotated[str, Field(strict=True, max_length=320)]
Secret = Annotated[str, Field(strict=True, max_length=1024)]
TokenName = Annotated[str, Field(strict=True, min_length=1, max_length=200)]


class PersonalTokenCreate(Body):
    name: TokenName
    role: Role = optional("The highest role it acts with (never more than the owner's).")
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=366)] = 90


class PasswordChange(Body):
    current: Secret
    new: Secret


class LogIn(Body):
    email: Email
    password: Secret
    name: TokenName = optional("What the token is for. Default: premiere login.")


class PersonUpdate(Body):
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]


class Grant(Body):
    project: Key | None = Field(description="A project key; null: every project.")
    role: Role


class RolesSet(Body):
    roles: Annotated[list[Grant], Field(max_length=1000)]


class InvitationCreate(Body):
    email: Email
    name: Name = optional()
    project: Key | None = Field(default=None, description="null: the role on every project.")
    role: Role
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=30)] = 7


class InvitationAccept(Body):
    link: Annotated[str, Field(strict=True, max_length=2000)] = Field(
        description="The link as given, or its last part (<id>.<secret>)."
    )
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    password: Secret


class ServiceAccountCreate(Body):
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]


class ServiceTokenCreate(Body):
    name: TokenName
    project: Key = optional("The one project it may touch.")
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=366)] = optional()


# answers ----------------------------------------------------------------------------


class GrantView(View):
    project: str | None = Field(description="null: every project.")
    role: str


class MeView(View):
    kind: str = Field(description="person, service (a service account) or token.")
    id: str
    name: str
    email: str | None
    scope: str = Field(description="The token's scope.")
    token: str = Field(description="The id of the token the request came with.")
    project: str | None = Field(description="The project the token is bound to.")
    roles: list[GrantView] = Field(description="A person's roles, per project.")
    role: str | None = Field(description="The highest role it acts with anywhere.")


class PersonView(View):
    id: str
    kind: str = Field(description="person, or service (a service account).")
    email: str | None
    name: str
    roles: list[GrantView]
    password: bool = Field(description="Whether they have a password (never the password).")
    sso: bool = Field(description="Whether they sign in with single sign-on.")
    created_at: str
    removed_at: str | None


class InvitationView(View):
    id: str
    email: str
    name: str
    project: str | None
    role: str
    created_by: str
    created_at: str
    expires_at: str
    state: str = Field(description="open, expired, accepted or revoked.")


class InvitationCreated(InvitationView):
    link: str = Field(description="The one-time link to join; shown this once.")


class PasswordChanged(View):
    id: str
    tokens_revoked: list[str] = Field(description="The person's other personal tokens.")
    sessions_ended: bool
