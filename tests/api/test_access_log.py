"""The request log (api/sdk/access_log.py): SDK and OFREP successes counted and
summarised, errors and everything else logged a line each."""

from __future__ import annotations

import logging
import time

import pytest

from premiere.api import create_app
from premiere.api.sdk.access_log import ACCESS_LOG
from premiere.settings import Settings

from .support import Api, running
from .test_ofrep import BULK, evaluate, ofrep, server_token  # noqa: F401

BODY = {"context": {"targetingKey": "ann"}}


@pytest.fixture
def access(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="premiere.access")
    return caplog


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "premiere.access"]


def test_access_log__sdk_successes__counted_not_logged_then_one_line_per_route(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    access: pytest.LogCaptureFixture,
) -> None:
    for key in ("dark-mode", "banner", "dark-mode"):
        assert evaluate(ofrep, server_token, key, BODY).status_code == 200
    etag = ofrep.post(BULK, BODY, token=server_token).headers["etag"]
    ofrep.post(BULK, BODY, token=server_token, headers={"If-None-Match": etag})
    assert lines(access) == []  # nothing logged per request

    getattr(ofrep.client.app.state, ACCESS_LOG).summarise()

    summary = lines(access)
    assert len(summary) == 3
    assert summary[0].startswith("POST /ofrep/v1/evaluate/flags 200: 1 requests in the last ")
    assert summary[1].startswith("POST /ofrep/v1/evaluate/flags 304: 1 requests in the last ")
    assert summary[2].startswith("POST /ofrep/v1/evaluate/flags/{key} 200: 3 requests in the ")


def test_access_log__sdk_error__logged_individually(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    access: pytest.LogCaptureFixture,
) -> None:
    evaluate(ofrep, server_token, "dark-mode", BODY)
    missing = evaluate(ofrep, server_token, "nope", BODY)
    refused = ofrep.get("/api/v1/sdk/flags", token="prm_0000000000000000_unknown")

    assert (missing.status_code, refused.status_code) == (404, 401)
    assert lines(access) == [
        '127.0.0.1:123 - "POST /ofrep/v1/evaluate/flags/nope HTTP/1.1" 404',
        '127.0.0.1:123 - "GET /api/v1/sdk/flags HTTP/1.1" 401',
    ]


def test_access_log__admin_request__logged_individually_with_its_query(
    ofrep: Api,  # noqa: F811
    access: pytest.LogCaptureFixture,
) -> None:
    assert ofrep.get("/api/v1/projects?limit=5").status_code == 200

    assert lines(access) == ['127.0.0.1:123 - "GET /api/v1/projects?limit=5 HTTP/1.1" 200']


def test_access_counts__interval_passed__summary_logged_by_itself(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    access: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(database_url="unused://", log_summary_seconds=0.05)
    with running(create_app(settings, ofrep.store)) as client:
        headers = {"Authorization": f"Bearer {server_token}"}
        client.request("POST", "/ofrep/v1/evaluate/flags/theme", json=BODY, headers=headers)

        deadline = time.monotonic() + 10
        while not lines(access) and time.monotonic() < deadline:
            time.sleep(0.01)  # waits for the line to appear, proves nothing by waiting
    assert [line.split(" in ")[0] for line in lines(access)] == [
        "POST /ofrep/v1/evaluate/flags/{key} 200: 1 requests"
    ]


def test_access_log__unexpected_error__logged_individually_as_500(
    ofrep: Api,  # noqa: F811
    server_token: str,  # noqa: F811
    access: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from premiere.api.sdk import ofrep as module

    def broken(raw: object) -> dict[str, object]:
        raise RuntimeError("broken")

    monkeypatch.setattr(module, "context_of", broken)
    with running(
        create_app(Settings(database_url="unused://"), ofrep.store), raise_errors=False
    ) as client:
        headers = {"Authorization": f"Bearer {server_token}"}
        response = client.request(
            "POST", "/ofrep/v1/evaluate/flags/theme", json=BODY, headers=headers
        )

    assert response.status_code == 500
    assert lines(access) == ['127.0.0.1:123 - "POST /ofrep/v1/evaluate/flags/theme HTTP/1.1" 500']


def test_access_log__secrets_in_urls__redacted() -> None:
    from premiere.api.sdk.access_log import _path_and_query

    def logged(path: str, query: bytes = b"") -> str:
        return _path_and_query({"path": path, "query_string": query})

    assert logged("/join/0123456789abcdef.s3cret") == "/join/0123456789abcdef.REDACTED"
    assert logged("/api/v1/unsubscribe/l1nk") == "/api/v1/unsubscribe/REDACTED"
    assert logged("/sign-in/sso/callback", b"code=c0de&state=st4te&iss=x") == (
        "/sign-in/sso/callback?code=REDACTED&state=REDACTED&iss=x"
    )
