"""A refused SDK key (401, 403): the client never raises, stops asking for good and says
why (state REFUSED, the log); the OpenFeature provider is FATAL (OpenFeature 1.7.5,
2.4.2.1, 2.8.3) rather than retrying."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from openfeature import api
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode, ProviderFatalError
from openfeature.provider import ProviderStatus

from premiere.sdk import Client, Config, DataSourceState
from premiere.sdk.openfeature import PremiereProvider
from premiere.sdk.testing import InMemoryServer

from .support import boolean_flag, make_document, wait_for


def config(server: InMemoryServer, **kw: Any) -> Config:
    settings: dict[str, Any] = {"sdk_key": "wrong", "transport": server.transport}
    return Config(**{**settings, "events": False, "poll_interval": 0.05, **kw})


def stopped(client: Client) -> bool:
    """Whether the client's data source thread has ended (so no request can follow)."""
    background = client._background
    thread = getattr(background.source, "_thread", None) if background else None
    return thread is not None and not thread.is_alive()


@pytest.fixture(autouse=True)
def _reset_openfeature() -> Iterator[None]:
    yield
    api.clear_providers()


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("code", [401, 403])
def test_client__key_refused_at_start__refused_state_no_more_requests(
    streaming: bool, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    server = InMemoryServer()
    server.refuse_key(code)

    with Client(config(server, streaming=streaming)) as client:
        wait_for(lambda: stopped(client))
        status = client.status()
        requests = server.requests

        assert status.state is DataSourceState.REFUSED and not status.ready
        assert f"({code})" in (status.last_error or "")
        assert "sdk_key" in (status.last_error or "")
        assert "no more requests" in (status.last_error or "")
        assert client.variation("a", {"key": "u"}, "d") == "d"
    assert requests == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"({code})" in errors[0].getMessage()


def test_client__key_revoked_while_running__keeps_serving_stops_asking() -> None:
    server = InMemoryServer(make_document(1, a=boolean_flag("a")))

    with Client(config(server)) as client:
        assert client.variation("a", {"key": "u"}, False) is True
        server.refuse_key(401)
        wait_for(lambda: stopped(client))

        assert client.status().state is DataSourceState.REFUSED
        assert client.status().ready
        assert client.variation("a", {"key": "u"}, False) is True


def test_client__events_refused__no_more_batches_sent(caplog: pytest.LogCaptureFixture) -> None:
    server = InMemoryServer(make_document(1, a=boolean_flag("a")))
    with Client(config(server, events=True, event_flush_interval=60.0)) as client:
        server.refuse_key(401)
        client.variation("a", {"key": "u"}, False)
        assert client.flush() is False
        client.variation("a", {"key": "u"}, False)
        assert client.flush() is False

    refusals = [r for r in caplog.records if "events answered 401" in r.getMessage()]
    assert server.events == [] and len(refusals) == 1


def test_provider__key_refused_at_start__fatal() -> None:
    server = InMemoryServer(make_document(1, a=boolean_flag("a")))
    server.refuse_key(401)
    provider = PremiereProvider(config(server))

    with pytest.raises(ProviderFatalError):
        api.set_provider_and_wait(provider, domain="refused")
    client = api.get_client("refused")
    details = client.get_boolean_details("a", False)

    assert client.get_provider_status() is ProviderStatus.FATAL
    assert (details.value, details.error_code) == (False, ErrorCode.PROVIDER_FATAL)
    premiere_client = provider.client
    assert premiere_client is not None
    wait_for(lambda: stopped(premiere_client))


def test_provider__key_revoked_while_running__error_event_fatal() -> None:
    server = InMemoryServer(make_document(1, a=boolean_flag("a")))
    api.set_provider_and_wait(PremiereProvider(config(server)), domain="revoked")
    client = api.get_client("revoked")
    errors: list[EventDetails] = []
    client.add_handler(ProviderEvent.PROVIDER_ERROR, errors.append)

    server.refuse_key(403)
    wait_for(lambda: errors)  # sent after OpenFeature records the status

    assert client.get_provider_status() is ProviderStatus.FATAL

    assert errors[0].error_code == ErrorCode.PROVIDER_FATAL
    assert "(403)" in (errors[0].message or "")
    assert client.get_boolean_details("a", False).error_code == ErrorCode.PROVIDER_FATAL
