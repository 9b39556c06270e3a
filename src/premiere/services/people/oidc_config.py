"""The single sign-on's configuration: the ``PREMIERE_OIDC_*`` settings, checked.

:func:`config_from_settings` runs when the console starts: a setting that makes no sense
(an unknown role in the role map, a client id missing) stops the start with a message
naming its variable.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from premiere.errors import ValidationError, Violation
from premiere.services.people.permissions import ROLES
from premiere.settings import Settings

if TYPE_CHECKING:  # the client is loaded when single sign-on is first used
    import httpx

_PROJECT_KEY = re.compile(r"[A-Za-z0-9._-]{1,128}")


@dataclass(frozen=True)
class RoleMapping:
    """Members of ``group`` get ``role`` on ``project`` (``None``: every project)."""

    group: str
    project: str | None
    role: str


class ProviderCache:
    """The provider's discovery document and key set, fetched once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.metadata: dict[str, Any] | None = None
        self.jwks: dict[str, Any] | None = None


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = "openid email profile"
    roles_claim: str = "groups"
    role_map: tuple[RoleMapping, ...] = ()
    create_accounts: bool = False
    label: str = "Sign in with SSO"
    timeout: float = 10.0
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)
    """How requests reach the provider (default: the network); tests may wrap it."""
    cache: ProviderCache = field(default_factory=ProviderCache, repr=False, compare=False)


def config_from_settings(settings: Settings) -> OidcConfig | None:
    """The single sign-on of ``settings``, or None when no issuer is set. A setting that
    makes no sense raises :class:`ValidationError` naming its variable (at start-up)."""
    if not settings.oidc_issuer:
        return None
    problems = [
        Violation(name, "required", "must be set when PREMIERE_OIDC_ISSUER is")
        for name, value in (
            ("PREMIERE_OIDC_CLIENT_ID", settings.oidc_client_id),
            ("PREMIERE_OIDC_CLIENT_SECRET", settings.oidc_client_secret),
        )
        if not value
    ]
    if not settings.oidc_issuer.startswith(("https://", "http://")):
        problems.append(Violation("PREMIERE_OIDC_ISSUER", "url_scheme", "must be an https URL"))
    if "openid" not in settings.oidc_scopes.split():
        problems.append(Violation("PREMIERE_OIDC_SCOPES", "enum", "must include openid"))
    if problems:
        raise ValidationError(problems)
    return OidcConfig(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id or "",
        client_secret=settings.oidc_client_secret or "",
        scopes=settings.oidc_scopes,
        roles_claim=settings.oidc_roles_claim,
        role_map=parse_role_map(settings.oidc_role_map),
        create_accounts=settings.oidc_create_accounts,
        label=settings.oidc_label,
    )


def parse_role_map(raw: str) -> tuple[RoleMapping, ...]:
    """``eng=engineer, release=shop:release_manager`` → role mappings; every problem is
    reported against ``PREMIERE_OIDC_ROLE_MAP``."""
    name = "PREMIERE_OIDC_ROLE_MAP"
    found: list[RoleMapping] = []
    problems: list[Violation] = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        group, _, target = (piece.strip() for piece in entry.partition("="))
        project, _, role = target.rpartition(":")
        if not group or not role:
            problems.append(
                Violation(
                    name, "type", f"{entry!r} is not <group>=<role> or <group>=<project>:<role>"
                )
            )
        elif role not in ROLES:
            problems.append(
                Violation(
                    name, "enum", f"{entry!r}: unknown role {role!r} (one of {', '.join(ROLES)})"
                )
            )
        elif project and not _PROJECT_KEY.fullmatch(project):
            problems.append(
                Violation(name, "key_pattern", f"{entry!r}: {project!r} is not a project key")
            )
        else:
            found.append(RoleMapping(group, project or None, role))
    if problems:
        raise ValidationError(problems)
    return tuple(found)


__all__ = ["OidcConfig", "ProviderCache", "RoleMapping", "config_from_settings", "parse_role_map"]
