"""Single sign-on against a real OpenID provider (oidc-provider on Node, conftest.py): the
claims and roles of a sign-in, and every way a sign-in is refused."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from premiere.errors import (
    SsoNonceMismatchError,
    SsoProviderError,
    SsoStateMismatchError,
    SsoTokenInvalidError,
)
from premiere.services.people import oidc
from premiere.settings import Settings
from tests.api.live import free_port
from tests.people.conftest import CALLBACK, Provider, run_provider, sign_in_at_provider

ROLE_MAP = "eng=engineer, release=demo:release_manager, ops=admin"


def _config(provider: Provider, **changes: Any) -> oidc.OidcConfig:
    settings = Settings(
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        oidc_scopes="openid email profile groups",
        oidc_role_map=ROLE_MAP,
    )
    config = oidc.config_from_settings(settings)
    assert config is not None
    return replace(config, **changes)


def _now() -> datetime:
    return datetime.now(UTC)


def _sign_in(
    config: oidc.OidcConfig, login: str, next_path: str = "/"
) -> tuple[oidc.Flow, dict[str, str]]:
    """Begin a sign-in, sign in at the provider as ``login``: the flow and the callback's
    query."""
    url, flow = oidc.begin(config, redirect_uri=CALLBACK, next_path=next_path)
    back = sign_in_at_provider(url, login, CALLBACK)
    return flow, dict(parse_qsl(urlsplit(back).query))


class TokenRewriter(httpx.BaseTransport):
    """Reaches the provider over the network, but hands on its token responses with the
    ID token changed by ``change`` (an attacker's token in place of the provider's)."""

    def __init__(self, change: Callable[[str], str]) -> None:
        self.inner = httpx.HTTPTransport()
        self.change = change

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not request.url.path.endswith("/token"):
            return response
        body = json.loads(response.read())
        body["id_token"] = self.change(body["id_token"])
        return httpx.Response(response.status_code, json=body)

    def close(self) -> None:
        self.inner.close()


def _resigned(key: RSAKey, **claims: Any) -> Callable[[str], str]:
    """An ID token's claims, changed by ``claims``, signed with ``key``."""

    def change(token: str) -> str:
        header_part, payload, _ = token.split(".")
        header = json.loads(base64.urlsafe_b64decode(header_part + "=" * (-len(header_part) % 4)))
        found = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return jwt.encode({"alg": "RS256", "kid": header["kid"]}, {**found, **claims}, key)

    return change


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with run_provider([CALLBACK]) as running:
        yield running


def test_finish__engineer_signs_in__claims_from_userinfo_and_roles_from_the_map(
    provider: Provider,
) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "erin@example.com", next_path="/projects/demo")

    claims = oidc.finish(config, flow, params, now=_now())

    assert claims["sub"] == "erin@example.com"
    assert claims["email"] == "erin@example.com"
    assert claims["name"] == "Erin Engineer"
    assert claims["groups"] == ["eng"]
    assert claims["iss"] == provider.issuer
    assert flow.next_path == "/projects/demo"
    assert oidc.roles_from_claims(config, claims) == [(None, "engineer")]


def test_finish__release_manager__role_on_one_project(provider: Provider) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "rita@example.com")

    claims = oidc.finish(config, flow, params, now=_now())

    assert oidc.roles_from_claims(config, claims) == [("demo", "release_manager")]


def test_begin__authorization_url__asks_for_a_code_with_pkce_s256_state_and_nonce(
    provider: Provider,
) -> None:
    url, flow = oidc.begin(_config(provider), redirect_uri=CALLBACK, next_path="/")
    other_url, other = oidc.begin(_config(provider), redirect_uri=CALLBACK, next_path="/")

    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{provider.issuer}/auth?")
    assert query["response_type"] == "code"
    assert query["client_id"] == provider.client_id
    assert query["redirect_uri"] == CALLBACK
    assert query["scope"] == "openid email profile groups"
    assert query["code_challenge_method"] == "S256"
    verifier_hash = base64.urlsafe_b64encode(hashlib.sha256(flow.code_verifier.encode()).digest())
    assert query["code_challenge"] == verifier_hash.decode().rstrip("=")
    assert (query["state"], query["nonce"]) == (flow.state, flow.nonce)
    assert len({flow.state, flow.nonce, other.state, other.nonce}) == 4
    assert other_url != url


def test_finish__provider_takes_client_secret_post_only__signs_in() -> None:
    with run_provider([CALLBACK], auth_method="client_secret_post") as post_only:
        config = _config(post_only)
        flow, params = _sign_in(config, "erin@example.com")

        claims = oidc.finish(config, flow, params, now=_now())

    assert claims["email"] == "erin@example.com"


def test_finish__wrong_state__refused_with_sso_state_mismatch(provider: Provider) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoStateMismatchError) as refused:
        oidc.finish(config, flow, {**params, "state": "forged"}, now=_now())

    assert refused.value.code == "sso_state_mismatch"


def test_finish__wrong_nonce__refused_with_sso_nonce_mismatch(provider: Provider) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoNonceMismatchError) as refused:
        oidc.finish(config, replace(flow, nonce="another-sign-in"), params, now=_now())

    assert refused.value.code == "sso_nonce_mismatch"


def test_finish__id_token_signed_with_another_key__refused_with_sso_token_invalid(
    provider: Provider,
) -> None:
    stranger = RSAKey.generate_key(2048, private=True)
    config = _config(provider, transport=TokenRewriter(_resigned(stranger)))
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoTokenInvalidError) as refused:
        oidc.finish(config, flow, params, now=_now())

    assert refused.value.code == "sso_token_invalid"
    assert "signature" in refused.value.message


def test_finish__id_token_for_another_audience__refused_with_sso_token_invalid(
    provider: Provider,
) -> None:
    config = _config(provider, transport=TokenRewriter(_resigned(provider.key, aud="other-app")))
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoTokenInvalidError) as refused:
        oidc.finish(config, flow, params, now=_now())

    assert "'aud'" in refused.value.message


def test_finish__id_token_from_another_issuer__refused_with_sso_token_invalid(
    provider: Provider,
) -> None:
    forged = _resigned(provider.key, iss="https://issuer.example")
    config = _config(provider, transport=TokenRewriter(forged))
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoTokenInvalidError) as refused:
        oidc.finish(config, flow, params, now=_now())

    assert "'iss'" in refused.value.message


def test_finish__id_token_expired_by_the_clock__refused_with_sso_token_invalid(
    provider: Provider,
) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoTokenInvalidError) as refused:
        oidc.finish(config, flow, params, now=_now() + timedelta(days=2))

    assert "'exp'" in refused.value.message


def test_finish__code_used_twice__refused_with_sso_provider_error(provider: Provider) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "erin@example.com")
    oidc.finish(config, flow, params, now=_now())

    with pytest.raises(SsoProviderError) as refused:
        oidc.finish(config, flow, params, now=_now())

    assert "invalid_grant" in refused.value.message


def test_finish__provider_answers_an_error__refused_with_sso_provider_error(
    provider: Provider,
) -> None:
    config = _config(provider)
    _, flow = oidc.begin(config, redirect_uri=CALLBACK, next_path="/")
    params = {"state": flow.state, "error": "access_denied", "error_description": "no"}

    with pytest.raises(SsoProviderError) as refused:
        oidc.finish(config, flow, params, now=_now())

    assert "refused the sign-in: no" in refused.value.message


def test_finish__answer_names_another_issuer__refused_with_sso_provider_error(
    provider: Provider,
) -> None:
    config = _config(provider)
    flow, params = _sign_in(config, "erin@example.com")

    with pytest.raises(SsoProviderError) as refused:
        oidc.finish(config, flow, {**params, "iss": "https://issuer.example"}, now=_now())

    assert "another issuer" in refused.value.message


def test_begin__provider_unreachable__sso_provider_error_naming_it() -> None:
    issuer = f"http://127.0.0.1:{free_port()}"
    config = oidc.OidcConfig(issuer=issuer, client_id="premiere", client_secret="s", timeout=2)

    with pytest.raises(SsoProviderError) as refused:
        oidc.begin(config, redirect_uri=CALLBACK, next_path="/")

    assert refused.value.code == "sso_provider_error"
    assert f"cannot be reached for its discovery document ({issuer}/" in refused.value.message


def test_flow__cookie_value__round_trips_and_garbage_is_a_state_mismatch() -> None:
    flow = oidc.Flow("s", "n", "v", CALLBACK, "/projects/demo?tab=1")

    assert oidc.Flow.decode(flow.encode()) == flow
    with pytest.raises(SsoStateMismatchError):
        oidc.Flow.decode("not-a-flow")
    with pytest.raises(SsoStateMismatchError):
        oidc.Flow.decode("")
