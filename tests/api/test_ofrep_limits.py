"""The OFREP rate limit: a budget per client address, whatever token it sends."""

from __future__ import annotations

import functools

import httpx
import pytest

from premiere.api.sdk.ofrep import OFREP_SETTINGS, OfrepSettings

from .support import Api
from .test_ofrep import BULK, ONE, evaluate, ofrep, server_token  # noqa: F401


def test_ofrep__over_the_rate__429_with_retry_after_other_token_same_budget(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
) -> None:
    setattr(ofrep.client.app.state, OFREP_SETTINGS, OfrepSettings(rate_per_second=0.5, burst=2))
    ofrep.client.app.state.ofrep_services = None
    statuses = [evaluate(ofrep, server_token, "theme").status_code for _ in range(2)]
    limited = evaluate(ofrep, server_token, "theme")
    other_token = ofrep.token("sdk-server", "demo", "production")

    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json() == {
        "key": "theme",
        "errorCode": "GENERAL",
        "errorDetails": "more than 0.5 evaluations a second from this client address",
    }
    assert evaluate(ofrep, other_token, "theme").status_code == 429  # the address's budget


@pytest.mark.parametrize("path", [ONE.format(key="theme"), BULK])
def test_ofrep__two_clients_one_token__each_its_own_budget(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    path: str,
) -> None:
    # Given a limit of two requests, used up by one client address with a shared token
    setattr(ofrep.client.app.state, OFREP_SETTINGS, OfrepSettings(rate_per_second=0.01, burst=2))
    ofrep.client.app.state.ofrep_services = None
    first = [ofrep.post(path, {}, token=server_token).status_code for _ in range(3)]

    # When another client address sends the same token
    transport = httpx.ASGITransport(app=ofrep.client.app, client=("203.0.113.7", 4711))
    other = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    headers = {"Authorization": f"Bearer {server_token}"}
    call = functools.partial(other.post, path, json={}, headers=headers)
    second = [ofrep.client.portal.call(call).status_code for _ in range(3)]
    ofrep.client.portal.call(other.aclose)

    # Then each address had its own two requests
    assert first == second == [200, 200, 429]
