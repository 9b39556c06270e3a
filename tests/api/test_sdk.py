"""The SDK flag document: scopes, client-only filtering, ETag and 304."""

from __future__ import annotations

import pytest

from .support import Api

SDK = "/api/v1/sdk/flags"


@pytest.fixture
def sdk(demo: Api) -> Api:
    demo.flag("demo", "server-only")
    demo.flag("demo", "public", client_visible=True)
    return demo


def test_document__sdk_server_token__every_flag_of_its_environment(sdk: Api) -> None:
    token = sdk.token("sdk-server", "demo", "production")
    response = sdk.get(SDK, token=token)
    document = sdk.ok(response)
    assert document["project"] == "demo"
    assert document["environment"] == "production"
    assert set(document["flags"]) == {"server-only", "public"}
    assert isinstance(document["version"], int)
    assert response.headers["etag"] == f'"demo/production/{document["version"]}/server"'


def test_document__sdk_client_token__client_visible_flags_only(sdk: Api) -> None:
    token = sdk.token("sdk-client", "demo", "production")
    response = sdk.get(SDK, token=token)
    document = sdk.ok(response)
    assert set(document["flags"]) == {"public"}
    assert response.headers["etag"].endswith('/client"')


def test_document__if_none_match_current__304_without_body(sdk: Api) -> None:
    token = sdk.token("sdk-server", "demo", "production")
    etag = sdk.get(SDK, token=token).headers["etag"]
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = sdk.get(SDK, token=token, headers={"If-None-Match": sent})
        assert response.status_code == 304, sent
        assert response.content == b""
        assert response.headers["etag"] == etag


def test_document__changed_after_etag__200_with_new_etag(sdk: Api) -> None:
    token = sdk.token("sdk-server", "demo", "production")
    etag = sdk.get(SDK, token=token).headers["etag"]
    sdk.ok(
        sdk.patch(
            "/api/v1/projects/demo/flags/public/environments/production",
            {"on": True, "version": 1},
        )
    )
    response = sdk.get(SDK, token=token, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag
    assert response.json()["flags"]["public"]["on"] is True


def test_document__change_in_other_environment__still_304(sdk: Api) -> None:
    token = sdk.token("sdk-server", "demo", "production")
    etag = sdk.get(SDK, token=token).headers["etag"]
    sdk.ok(
        sdk.patch(
            "/api/v1/projects/demo/flags/public/environments/staging", {"on": True, "version": 1}
        )
    )
    assert sdk.get(SDK, token=token, headers={"If-None-Match": etag}).status_code == 304


def test_document__sdk_token_asks_other_environment__403(sdk: Api) -> None:
    token = sdk.token("sdk-server", "demo", "production")
    response = sdk.get(SDK, token=token, params={"environment": "staging"})
    assert response.status_code == 403
    same = sdk.get(SDK, token=token, params={"project": "demo", "environment": "production"})
    assert same.status_code == 200


def test_document__admin_token__needs_project_and_environment(sdk: Api) -> None:
    response = sdk.get(SDK)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["error"]["details"]["errors"]}
    assert fields == {"query.project", "query.environment"}
    document = sdk.ok(sdk.get(SDK, params={"project": "demo", "environment": "staging"}))
    assert document["environment"] == "staging"


def test_document__deploy_token__403(sdk: Api) -> None:
    assert sdk.get(SDK, token=sdk.token("deploy")).status_code == 403
