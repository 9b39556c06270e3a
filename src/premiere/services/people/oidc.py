"""Single sign-on with OpenID Connect: the authorization code flow, with PKCE.

:func:`begin` makes the provider's authorization URL and the :class:`Flow` the browser
keeps until it comes back (state, nonce, PKCE code verifier, where to go next);
:func:`finish` checks the answer against that flow, exchanges the code, verifies the ID
token with the provider's keys and returns its claims (completed from the userinfo
endpoint when the email or the groups are missing); :func:`roles_from_claims` reads the
roles they grant through the role map. The provider's discovery document and keys are
fetched once per :class:`OidcConfig` (keys again when a token names a new one).

Tokens are never logged nor put in an error. The clock is passed in (``now``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from premiere.errors import (
    SsoNonceMismatchError,
    SsoNotConfiguredError,
    SsoProviderError,
    SsoStateMismatchError,
    SsoTokenInvalidError,
)
from premiere.services.people.oidc_config import (
    OidcConfig,
    RoleMapping,
    config_from_settings,
    parse_role_map,
)

Claims = dict[str, Any]
Grant = tuple[str | None, str]
"""A role on a project (``None``: every project)."""

FLOW_MAX_AGE_SECONDS = 600
"""How long a sign-in may take at the provider (the flow cookie's life)."""
LEEWAY_SECONDS = 60
"""Clock skew tolerated between Premiere and the provider (``exp``, ``iat``)."""
SSO_ERRORS = (
    SsoNotConfiguredError,
    SsoStateMismatchError,
    SsoNonceMismatchError,
    SsoTokenInvalidError,
    SsoProviderError,
)
_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress, kept by the browser (a cookie) between begin and finish."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str

    def encode(self) -> str:
        raw = json.dumps(
            [self.state, self.nonce, self.code_verifier, self.redirect_uri, self.next_path]
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Flow:
        """The flow of a cookie; :class:`SsoStateMismatchError` when there is none."""
        try:
            padded = value + "=" * (-len(value) % 4)
            items = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, binascii.Error):
            items = None
        if (
            not isinstance(items, list)
            or len(items) != 5
            or not all(isinstance(item, str) for item in items)
        ):
            raise SsoStateMismatchError(
                "no single sign-on is in progress in this browser (or it took longer than "
                f"{FLOW_MAX_AGE_SECONDS // 60} minutes): start again"
            )
        return cls(*items)


def begin(config: OidcConfig, *, redirect_uri: str, next_path: str) -> tuple[str, Flow]:
    """The provider's authorization URL to send the browser to, and the flow it keeps."""
    metadata = discover(config)
    flow = Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        redirect_uri=redirect_uri,
        next_path=next_path,
    )
    url = prepare_grant_uri(
        metadata["authorization_endpoint"],
        config.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=config.scopes,
        state=flow.state,
        nonce=flow.nonce,
        code_challenge=create_s256_code_challenge(flow.code_verifier),
        code_challenge_method="S256",
    )
    return str(url), flow


def finish(config: OidcConfig, flow: Flow, params: dict[str, str], *, now: datetime) -> Claims:
    """The verified claims of the person the provider sent back with ``params`` (the
    callback's query) for ``flow``."""
    if not hmac.compare_digest(params.get("state", "").encode(), flow.state.encode()):
        raise SsoStateMismatchError(
            "the provider's answer does not belong to the sign-in started in this browser"
        )
    if params.get("iss", config.issuer) != config.issuer:  # RFC 9207: a mix-up
        raise SsoProviderError("the answer comes from another issuer than PREMIERE_OIDC_ISSUER")
    if "error" in params:
        detail = params.get("error_description") or params["error"]
        raise SsoProviderError(f"the provider refused the sign-in: {detail[:200]}")
    code = params.get("code", "")
    if not code:
        raise SsoProviderError("the provider sent no authorization code")
    metadata = discover(config)
    token = _exchange(config, metadata, flow, code)
    claims = verify_id_token(config, token, flow.nonce, now=now)
    if "email" not in claims or config.roles_claim not in claims:
        claims = {**_userinfo(config, metadata, token, claims["sub"]), **claims}
    return claims


def roles_from_claims(config: OidcConfig, claims: Claims) -> list[Grant]:
    """The roles the role map gives to the groups in ``claims`` (in the map's order)."""
    raw = claims.get(config.roles_claim)
    if isinstance(raw, str):
        groups = set(raw.replace(",", " ").split())
    elif isinstance(raw, list):
        groups = {item for item in raw if isinstance(item, str)}
    else:
        groups = set()
    grants: list[Grant] = []
    for mapping in config.role_map:
        grant = (mapping.project, mapping.role)
        if mapping.group in groups and grant not in grants:
            grants.append(grant)
    return grants


def verified_email(claims: Claims) -> str | None:
    """The email address of ``claims`` if the provider says it verified it, else None
    (an account is never matched, nor made, by an address nobody checked)."""
    email = claims.get("email")
    if isinstance(email, str) and email and claims.get("email_verified") is True:
        return email
    return None


def discover(config: OidcConfig) -> dict[str, Any]:
    """The provider's discovery document (fetched once per configuration)."""
    cache = config.cache
    with cache.lock:
        if cache.metadata is None:
            url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            metadata = _get_json(config, url, "discovery document")
            if metadata.get("issuer") != config.issuer:
                raise SsoProviderError(
                    f"the discovery document at {url} names issuer {metadata.get('issuer')!r}, "
                    f"not {config.issuer!r} (PREMIERE_OIDC_ISSUER)"
                )
            missing = [
                key
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                if not isinstance(metadata.get(key), str)
            ]
            if missing:
                raise SsoProviderError(
                    f"the discovery document at {url} lacks {', '.join(missing)}"
                )
            cache.metadata = metadata
        return cache.metadata


def verify_id_token(
    config: OidcConfig, token: dict[str, Any], nonce: str, *, now: datetime
) -> Claims:
    """The claims of the token response's ID token, once its signature (the provider's
    keys), issuer, audience, expiry and nonce are checked."""
    raw = token.get("id_token")
    if not isinstance(raw, str):
        raise SsoTokenInvalidError("the provider's token response has no ID token")
    metadata = discover(config)
    algorithms = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if isinstance(alg, str) and alg != "none" and not alg.startswith("HS")
    ]
    registry = JWSRegistry(algorithms=algorithms)
    try:
        try:
            decoded = jwt.decode(raw, _keys(config, metadata, refresh=False), registry=registry)
        except InvalidKeyIdError:  # the provider may have rotated its keys
            decoded = jwt.decode(raw, _keys(config, metadata, refresh=True), registry=registry)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": config.issuer},
                "aud": {"essential": True, "value": config.client_id},
            },
            {
                "nonce": nonce,
                "client_id": config.client_id,
                "access_token": token.get("access_token"),
            },
        )
        claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
    except ExpiredTokenError:  # not a ClaimError in every joserfc
        raise SsoTokenInvalidError("the ID token's 'exp' claim is not valid: it expired") from None
    except ClaimError as exc:
        if exc.claim == "nonce":
            raise SsoNonceMismatchError(
                "the ID token was issued for another sign-in (its nonce differs)"
            ) from None
        raise SsoTokenInvalidError(f"the ID token's {exc.claim!r} claim is not valid") from None
    except BadSignatureError:
        raise SsoTokenInvalidError("the ID token's signature does not verify") from None
    except (JoseError, ValueError) as exc:
        raise SsoTokenInvalidError(f"the ID token is not valid ({type(exc).__name__})") from None
    return dict(claims)


def _exchange(
    config: OidcConfig, metadata: dict[str, Any], flow: Flow, code: str
) -> dict[str, Any]:
    """The token response for ``code``, the client authenticated as the provider allows."""
    supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = next((m for m in _AUTH_METHODS if m in supported), None)
    if method is None:
        raise SsoProviderError(
            "the provider accepts none of client_secret_basic and client_secret_post"
        )
    url = metadata["token_endpoint"]
    body = prepare_token_request(
        "authorization_code",
        code=code,
        redirect_uri=flow.redirect_uri,
        code_verifier=flow.code_verifier,
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    auth = ClientAuth(config.client_id, config.client_secret, method)
    url, headers, body = auth.prepare("POST", url, headers, body)
    try:
        with _http(config) as http:
            response = http.post(url, headers=headers, content=body)
    except httpx.HTTPError as exc:
        raise SsoProviderError(
            f"the OpenID provider cannot be reached for a token ({url}): {type(exc).__name__}"
        ) from None
    try:
        token = response.json()
    except ValueError:
        token = None
    if not isinstance(token, dict):
        raise SsoProviderError(f"the provider's token endpoint answered {response.status_code}")
    if response.status_code != 200 or "error" in token:
        error = str(token.get("error", response.status_code))[:100]
        raise SsoProviderError(f"the provider refused the authorization code: {error}")
    return token


def _userinfo(
    config: OidcConfig, metadata: dict[str, Any], token: dict[str, Any], subject: str
) -> Claims:
    url = metadata.get("userinfo_endpoint")
    access_token = token.get("access_token")
    if not isinstance(url, str) or not isinstance(access_token, str):
        return {}
    info = _get_json(config, url, "userinfo", headers={"Authorization": f"Bearer {access_token}"})
    if info.get("sub") != subject:  # OpenID Connect Core 5.3.2
        raise SsoTokenInvalidError("the userinfo endpoint answered for another subject")
    return info


def _keys(config: OidcConfig, metadata: dict[str, Any], *, refresh: bool) -> KeySet:
    cache = config.cache
    with cache.lock:
        if cache.jwks is None or refresh:
            cache.jwks = _get_json(config, metadata["jwks_uri"], "key set")
        jwks = cache.jwks
    try:
        return KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise SsoProviderError("the provider's key set cannot be read") from None


def _get_json(
    config: OidcConfig, url: str, what: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    try:
        with _http(config) as http:
            response = http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise SsoProviderError(
            f"the OpenID provider cannot be reached for its {what} ({url}): {type(exc).__name__}"
        ) from None
    if response.status_code != 200:
        raise SsoProviderError(
            f"the OpenID provider's {what} ({url}) answered {response.status_code}"
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SsoProviderError(f"the OpenID provider's {what} ({url}) is not a JSON object")
    return body


def _http(config: OidcConfig) -> httpx.Client:
    return httpx.Client(timeout=config.timeout, transport=config.transport)


__all__ = [
    "FLOW_MAX_AGE_SECONDS",
    "SSO_ERRORS",
    "Claims",
    "Flow",
    "Grant",
    "OidcConfig",
    "RoleMapping",
    "begin",
    "config_from_settings",
    "discover",
    "finish",
    "parse_role_map",
    "roles_from_claims",
    "verified_email",
    "verify_id_token",
]
