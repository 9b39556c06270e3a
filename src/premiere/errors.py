"""One error tree for all of Premiere, with stable codes.

Domain code raises these; each transport maps them in exactly one place (the HTTP
API to a status and ``{"error": {"code", "message", "details"}}``, the CLI to a
message and an exit code). Nothing here knows about HTTP. Every code is listed in
``docs/errors.md``; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Violation:
    """One broken rule on one field: ``field`` is a path such as ``rules[0].clauses[1].op``."""

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


class PremiereError(Exception):
    """The root of every error Premiere raises on purpose."""

    code: ClassVar[str] = "premiere_error"

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class ValidationError(PremiereError):
    """Input broke one or more rules; ``details["errors"]`` lists each field and rule."""

    code = "validation_failed"

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = list(violations)
        first = self.violations[0] if self.violations else Violation("", "invalid", "invalid")
        more = len(self.violations) - 1
        message = f"{first.field}: {first.message}" if first.field else first.message
        if more > 0:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(message, {"errors": [v.as_dict() for v in self.violations]})

    @classmethod
    def single(cls, field_: str, rule: str, message: str) -> ValidationError:
        return cls([Violation(field_, rule, message)])


class MalformedRequestError(PremiereError):
    """The request body is not valid JSON (or not an object where one is required)."""

    code = "malformed_request"


class PayloadTooLargeError(PremiereError):
    code = "payload_too_large"


class NotFoundError(PremiereError):
    """A resource does not exist; details name its ``resource`` and ``key``."""

    code = "not_found"

    def __init__(self, resource: str, key: str, message: str | None = None) -> None:
        super().__init__(
            message or f"{resource} {key!r} does not exist",
            {"resource": resource, "key": key},
        )


class AlreadyExistsError(PremiereError):
    code = "already_exists"

    def __init__(self, resource: str, key: str) -> None:
        super().__init__(f"{resource} {key!r} already exists", {"resource": resource, "key": key})


class VersionConflictError(PremiereError):
    """An update was based on a version that is no longer current."""

    code = "version_conflict"

    def __init__(self, resource: str, key: str, expected: int, current: int) -> None:
        super().__init__(
            f"{resource} {key!r} is at version {current}, the update was based on {expected}",
            {
                "resource": resource,
                "key": key,
                "expected_version": expected,
                "current_version": current,
            },
        )


class VersionRequiredError(PremiereError):
    """An update did not say which version it was based on (If-Match or ``version``)."""

    code = "version_required"


class ConflictError(PremiereError):
    """The change contradicts the current state (other than a stale version)."""

    code = "conflict"


class FlagLockedError(ConflictError):
    """A change of a flag's configuration in an environment where a release in flight
    (rolling out or paused) controls it; ``details`` name the ``release``."""

    code = "flag_locked_by_release"


class LastAdminError(ConflictError):
    """A change that would leave no active person with the admin role on every project
    (removing them, or changing their roles): nobody could manage people any more."""

    code = "last_admin"


class InvalidStateError(PremiereError):
    """A transition that makes no sense from the current state."""

    code = "invalid_state"


class InvitationExpiredError(InvalidStateError):
    """An invitation link used after it expired."""

    code = "invitation_expired"


class AuthenticationError(PremiereError):
    """No token, or a token that is unknown or revoked."""

    code = "unauthorized"


class PermissionDeniedError(PremiereError):
    """A valid token whose scope does not allow the request."""

    code = "forbidden"


class RateLimitedError(PremiereError):
    """Too many requests, or too many SDK streams, from one caller; try again later."""

    code = "rate_limited"

    def __init__(
        self, message: str, retry_after_seconds: int, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message, {**(details or {}), "retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class CapacityReachedError(PremiereError):
    """The server holds as much as it is allowed to (SDK streams); try again later."""

    code = "capacity_reached"

    def __init__(
        self, message: str, retry_after_seconds: int, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message, {**(details or {}), "retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class SsoNotConfiguredError(PremiereError):
    """Single sign-on was asked for on a server where no OpenID provider is set up."""

    code = "sso_not_configured"


class SsoStateMismatchError(PremiereError):
    """The provider's answer does not belong to the sign-in this browser started (its
    ``state`` differs, or no sign-in is in progress): a stale tab or a forged link."""

    code = "sso_state_mismatch"


class SsoNonceMismatchError(PremiereError):
    """The ID token was issued for another sign-in than this one (its ``nonce``)."""

    code = "sso_nonce_mismatch"


class SsoTokenInvalidError(PremiereError):
    """The provider's ID token does not verify: signature, issuer, audience or expiry."""

    code = "sso_token_invalid"


class SsoProviderError(PremiereError):
    """The OpenID provider could not be reached, or refused or broke the exchange."""

    code = "sso_provider_error"


def all_error_classes() -> list[type[PremiereError]]:
    """Every concrete error class, for the docs test and the transports."""
    seen: list[type[PremiereError]] = []
    stack: list[type[PremiereError]] = [PremiereError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
