"""The OpenFeature provider's life cycle and events, through OpenFeature's own API: the
in-memory server for events, and the loopback server stand-in where its HTTP failures
matter; shutdown, tracking, and the SDK without openfeature-sdk installed."""

from __future__ import annotations

import queue
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("openfeature")

from openfeature import api
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode
from openfeature.provider import ProviderStatus
from openfeature.track import TrackingEventDetails

from premiere.sdk import Client, Config, DataSourceState
from premiere.sdk.openfeature import PremiereProvider
from premiere.sdk.testing import InMemoryServer

from .openfeature_support import ctx, flags_document
from .support import SDK_KEY, FakePremiere, boolean_flag, make_document

pytestmark = pytest.mark.usefixtures("openfeature_reset")


# -- life cycle and events --------------------------------------------------------------


def polling(server: str | InMemoryServer, **kw: Any) -> Config:
    """``server`` is a URL or an in-memory server."""
    settings: dict[str, Any] = {
        "sdk_key": SDK_KEY,
        **(
            {"transport": server.transport}
            if isinstance(server, InMemoryServer)
            else {"base_url": server}
        ),
        "streaming": False,
        "poll_interval": 0.05,
        "start_wait": 2.0,
        "events": False,
        "reconnect_delay": 0.02,
        "max_reconnect_delay": 0.05,
    }
    return Config(**{**settings, **kw})


def collect(*events: ProviderEvent) -> queue.Queue[tuple[ProviderEvent, EventDetails]]:
    """Our provider's events, in order (the default provider's are left out)."""
    got: queue.Queue[tuple[ProviderEvent, EventDetails]] = queue.Queue()

    def handler(event: ProviderEvent) -> Callable[[EventDetails], None]:
        def put(details: EventDetails) -> None:
            if details.provider_name == "Premiere":
                got.put((event, details))

        return put

    for event in events:
        api.add_handler(event, handler(event))
    return got


def next_event(
    got: queue.Queue[tuple[ProviderEvent, EventDetails]], timeout: float = 3.0
) -> tuple[ProviderEvent, EventDetails]:
    return got.get(timeout=timeout)


def test_events__server_document__ready_then_configuration_changed(
    memory: InMemoryServer,
) -> None:
    got = collect(ProviderEvent.PROVIDER_READY, ProviderEvent.PROVIDER_CONFIGURATION_CHANGED)
    provider = PremiereProvider(polling(memory))

    api.set_provider_and_wait(provider)
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    memory.set_document(make_document(2, a=boolean_flag("a", serve=1), c=boolean_flag("c")))

    event, details = next_event(got)
    assert event is ProviderEvent.PROVIDER_CONFIGURATION_CHANGED
    assert details.flags_changed == ["a", "b", "c"]
    assert details.metadata == {"document_version": 2}
    assert api.get_client().get_boolean_value("a", True, ctx()) is False


def test_events__stream_patch__configuration_changed(memory: InMemoryServer) -> None:
    got = collect(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED)
    config = polling(memory, streaming=True)
    api.set_provider_and_wait(PremiereProvider(config))

    memory.delete_flag("b")

    event, details = next_event(got)
    assert (event, details.flags_changed) == (ProviderEvent.PROVIDER_CONFIGURATION_CHANGED, ["b"])
    miss = api.get_client().get_boolean_details("b", True, ctx())
    assert miss.error_code == ErrorCode.FLAG_NOT_FOUND


def test_events__server_fails_then_recovers__stale_then_ready(server: FakePremiere) -> None:
    api.set_provider_and_wait(PremiereProvider(polling(server.url)))
    got = collect(ProviderEvent.PROVIDER_STALE, ProviderEvent.PROVIDER_READY)
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY  # a handler added late runs once
    client = api.get_client()

    server.flags_mode = "500"
    event, details = next_event(got)
    assert event is ProviderEvent.PROVIDER_STALE and details.message
    assert client.get_provider_status() is ProviderStatus.STALE
    assert client.get_boolean_value("a", False, ctx()) is True  # the last good document

    server.flags_mode = "ok"
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    assert client.get_provider_status() is ProviderStatus.READY


def test_events__no_document_at_start__error_then_ready(server: FakePremiere) -> None:
    server.flags_mode = "500"
    got = collect(ProviderEvent.PROVIDER_ERROR, ProviderEvent.PROVIDER_READY)
    provider = PremiereProvider(polling(server.url, start_wait=0.2))

    api.set_provider(provider)
    event, details = next_event(got)
    assert (event, details.error_code) == (ProviderEvent.PROVIDER_ERROR, "PROVIDER_NOT_READY")
    waiting = api.get_client().get_boolean_details("a", False, ctx())
    assert (waiting.value, waiting.error_code) == (False, ErrorCode.PROVIDER_NOT_READY)

    server.flags_mode = "ok"
    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    assert api.get_client().get_boolean_value("a", False, ctx()) is True


def test_events__bootstrap_and_server_down__ready_then_stale(dead_url: str) -> None:
    got = collect(ProviderEvent.PROVIDER_READY, ProviderEvent.PROVIDER_STALE)
    config = polling(dead_url, bootstrap=flags_document(), start_wait=1.0)

    api.set_provider_and_wait(PremiereProvider(config))

    assert next_event(got)[0] is ProviderEvent.PROVIDER_READY
    assert next_event(got)[0] is ProviderEvent.PROVIDER_STALE  # at the next failed retry
    assert api.get_client().get_boolean_value("static", False, ctx()) is True


def test_shutdown__provider_built_the_client__closes_it(memory: InMemoryServer) -> None:
    provider = PremiereProvider(polling(memory))
    api.set_provider_and_wait(provider)
    client = provider.client
    assert client is not None

    api.shutdown()

    assert client.status().state is DataSourceState.OFF
    assert provider.client is None


def test_shutdown__wrapped_client__left_open(memory: InMemoryServer) -> None:
    with Client(polling(memory)) as client:
        api.set_provider_and_wait(PremiereProvider(client=client))
        assert api.get_client().get_boolean_value("a", False, ctx()) is True

        api.shutdown()

        assert client.status().state is DataSourceState.VALID
        assert client.variation("a", {"key": "u"}, False) is True


def test_track__custom_event_and_evaluations__sent_by_the_client(
    memory: InMemoryServer,
) -> None:
    provider = PremiereProvider(polling(memory, events=True, event_flush_interval=60))
    api.set_provider_and_wait(provider)
    client = api.get_client()

    client.get_boolean_value("a", False, ctx())
    client.track("purchase", ctx(), TrackingEventDetails(value=12.5))
    client.track("purchase", ctx())
    assert provider.client is not None and provider.client.flush()

    batch = memory.events[-1]
    assert batch["custom"] == [
        {
            "key": "purchase",
            "count": 2,
            "value_count": 1,
            "value_sum": 12.5,
            "value_sum_squares": 156.25,
        }
    ]
    assert {"key": "a", "variation": 0, "reason": "FALLTHROUGH", "count": 1} in batch["flags"]


def test_import__without_openfeature_sdk__sdk_still_imports() -> None:
    code = (
        "import sys; sys.modules['openfeature'] = None\n"
        "import premiere.sdk\n"
        "from premiere.sdk import Client, Config\n"
        "c = Client(Config(offline=True, bootstrap={'flags': {}}))\n"
        "print(c.variation('x', {}, 'ok'))\n"
        "try:\n"
        "    import premiere.sdk.openfeature\n"
        "except ImportError:\n"
        "    print('provider needs openfeature-sdk')\n"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.split("\n")[:2] == ["ok", "provider needs openfeature-sdk"]
