"""The in-memory server: serves a document, passes on changes, records events; and the
transport contract both transports keep (failures to reach the server are
TransportError)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from premiere.sdk import Client, Config, DataSourceState
from premiere.sdk.http_transport import HttpTransport
from premiere.sdk.testing import InMemoryServer
from premiere.sdk.transport import TransportError

from .support import boolean_flag, make_document, wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def config(server: InMemoryServer, **kw: Any) -> Config:
    settings: dict[str, Any] = {"sdk_key": "test", "transport": server.transport, "events": False}
    return Config(**{**settings, **kw})


def test_in_memory__streaming_client__every_change_applied_in_order() -> None:
    server = InMemoryServer()
    server.serve("color", "green")
    changes: list[frozenset[str]] = []
    applied = threading.Semaphore(0)
    with Client(config(server)) as client:
        client.on_change(lambda keys: (changes.append(keys), applied.release()))
        assert client.string_variation("color", {"key": "u"}, "none") == "green"

        server.serve("color", "red")
        server.set_flag(boolean_flag("beta", serve=1))
        server.delete_flag("color")
        for _ in range(3):
            assert applied.acquire(timeout=3)

        assert changes == [frozenset({"color"}), frozenset({"beta"}), frozenset({"color"})]
        assert client.variation("beta", {"key": "u"}, None) is False
        assert client.variation_detail("color", {"key": "u"}).error_code == "FLAG_NOT_FOUND"
        assert client.status().document_version == server.document["version"] == 5


def test_in_memory__polling_client__sees_a_change_at_its_next_poll() -> None:
    server = InMemoryServer(make_document(7, a=boolean_flag("a")))
    with Client(config(server, streaming=False, poll_interval=0.02)) as client:
        assert client.status().document_version == 7
        server.set_document(make_document(1, a=boolean_flag("a", serve=1)))
        wait_for(lambda: client.status().document_version == 8)
        assert client.variation("a", {"key": "u"}, None) is False
        assert client.status().state is DataSourceState.VALID


def test_in_memory__fetch_with_current_etag__not_modified() -> None:
    server = InMemoryServer()
    transport = server.transport(config(server))
    first = transport.fetch_document(None)

    again = transport.fetch_document(first.etag)

    assert (first.status, first.etag, again.status, again.body) == (200, '"1"', 304, b"")


def test_in_memory__two_clients__both_updated_and_both_batches_recorded() -> None:
    server = InMemoryServer()
    server.serve("limit", 10)
    with (
        Client(config(server, events=True)) as first,
        Client(config(server, events=True, streaming=False)) as second,
    ):
        assert first.int_variation("limit", {"key": "u"}, 0) == 10
        assert second.int_variation("limit", {"key": "u"}, 0) == 10
        assert first.flush() and second.flush()

    assert [batch["flags"] for batch in server.events] == [
        [{"key": "limit", "variation": 0, "reason": "FALLTHROUGH", "count": 1}]
    ] * 2


def test_in_memory__unusable_document__client_keeps_the_last_good_one() -> None:
    server = InMemoryServer()
    server.serve("a", True)
    with Client(config(server)) as client:
        server.set_document({"flags": "not a mapping"})
        wait_for(lambda: client.status().state is DataSourceState.STALE)
        assert client.variation("a", {"key": "u"}, False) is True
        assert "unusable" in (client.status().last_error or "")


@pytest.mark.parametrize(
    ("value", "kind"),
    [(True, "boolean"), ("x", "string"), (2.5, "number"), ({"a": [1]}, "json"), ([1], "json")],
)
def test_in_memory__serve__kind_from_the_value(value: Any, kind: str) -> None:
    server = InMemoryServer()
    server.serve("f", value)
    assert server.document["flags"]["f"]["kind"] == kind
    with Client(config(server)) as client:
        assert client.variation_detail("f", {"key": "u"}).value == value


def test_in_memory__closed_transport__transport_error() -> None:
    server = InMemoryServer()
    transport = server.transport(config(server))
    transport.close()
    with pytest.raises(TransportError):
        transport.fetch_document(None)
    with pytest.raises(TransportError):
        transport.post_events({})


def test_http_transport__nothing_listening__transport_error(dead_url: str) -> None:
    transport = HttpTransport(Config(sdk_key="k", base_url=dead_url))
    try:
        with pytest.raises(TransportError, match="ConnectError"):
            transport.fetch_document(None)
        with pytest.raises(TransportError):
            transport.post_events({})
        with pytest.raises(TransportError), transport.open_stream(None):
            pass
    finally:
        transport.close()
    with pytest.raises(TransportError):  # a closed client, too
        transport.post_events({})


def test_docs__testing_example__runs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Testing code that uses the SDK", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, str(DOCS), "exec"), {})


class _Broken:
    """A transport whose every method raises something other than TransportError."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any) -> Any:
            raise ValueError(f"{name} is broken")

        return fail


def test_client__transport_raising_anything__flush_and_close_do_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Config(
        sdk_key="k", transport=lambda config: _Broken(), start_wait=0.5, streaming=False
    )
    client = Client(settings)
    client.variation("a", {"key": "u"}, None)

    assert client.flush() is False
    client.close()

    assert client.status().state is DataSourceState.OFF
    assert "fetch_document is broken" in caplog.text
    assert "close is broken" in caplog.text
