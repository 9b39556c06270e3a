"""The client against a live loopback server: start-up, polling, stale states, cache."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from premiere.sdk import Client, Config, DataSourceState

from .support import SDK_KEY, FakePremiere, boolean_flag, make_document, wait_for


def polling(url: str, **kw: object) -> Config:
    settings: dict[str, object] = {
        "sdk_key": SDK_KEY,
        "base_url": url,
        "streaming": False,
        "poll_interval": 0.05,
        "start_wait": 2.0,
        "events": False,
        "reconnect_delay": 0.02,
    }
    return Config(**{**settings, **kw})  # type: ignore[arg-type]


def test_client__server_up__serves_its_document_as_valid(server: FakePremiere) -> None:
    with Client(polling(server.url)) as client:
        assert client.variation("a", {"key": "u1"}, False) is True
        assert client.variation("b", {"key": "u1"}, True) is False
        status = client.status()
        assert status.state is DataSourceState.VALID
        assert (status.ready, status.source, status.document_version) == (True, "server", 1)
    assert client.status().state is DataSourceState.OFF
    assert server.headers_of("/api/v1/sdk/flags")[0]["Authorization"] == f"Bearer {SDK_KEY}"


def test_client__server_down_no_document__defaults_and_initializing(dead_url: str) -> None:
    with Client(polling(dead_url, start_wait=0.1)) as client:
        detail = client.variation_detail("a", {"key": "u1"}, "fallback")
        assert (detail.value, detail.reason, detail.error_code) == (
            "fallback",
            "ERROR",
            "CLIENT_NOT_READY",
        )
        status = client.status()
        assert status.state is DataSourceState.INITIALIZING
        assert not status.ready and status.last_error and "cannot reach" in status.last_error


def test_client__server_down_with_bootstrap__serves_it_as_stale(
    dead_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(make_document(7, a=boolean_flag("a", serve=1))))
    with Client(polling(dead_url, bootstrap_path=path)) as client:
        assert client.variation("a", {"key": "u1"}, True) is False
        status = client.status()
        assert status.state is DataSourceState.STALE
        assert (status.source, status.document_version) == ("bootstrap", 7)
        assert status.last_error is not None


def test_client__restart_while_server_down__serves_cached_document_as_stale(
    server: FakePremiere, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "flags.json"
    server.set_document(make_document(3, a=boolean_flag("a", serve=1)))
    with Client(polling(server.url, cache_path=cache)) as client:
        assert client.variation("a", {"key": "u"}, True) is False
    assert json.loads(cache.read_text())["document"]["version"] == 3
    assert [p.name for p in cache.parent.iterdir()] == ["flags.json"]  # no temp files left
    url = server.url
    server.shutdown()
    server.server_close()

    with Client(polling(url, cache_path=cache, start_wait=0.5)) as client:
        assert client.variation("a", {"key": "u"}, True) is False
        status = client.status()
        assert (status.state, status.source, status.document_version) == (
            DataSourceState.STALE,
            "cache",
            3,
        )


def test_client__cached_document_confirmed_by_304__becomes_valid(
    server: FakePremiere, tmp_path: Path
) -> None:
    cache = tmp_path / "flags.json"
    with Client(polling(server.url, cache_path=cache)):
        pass
    with Client(polling(server.url, cache_path=cache)) as client:
        wait_for(lambda: client.status().state is DataSourceState.VALID)
        assert client.status().source == "cache"
    assert server.headers_of("/api/v1/sdk/flags")[1].get("If-None-Match") == '"1"'


def test_polling__etag__304_keeps_document_and_new_version_replaces_it(
    server: FakePremiere,
) -> None:
    with Client(polling(server.url)) as client:
        wait_for(lambda: server.count("/api/v1/sdk/flags") >= 3)
        conditional = [h for h in server.headers_of("/api/v1/sdk/flags") if "If-None-Match" in h]
        assert conditional and conditional[0]["If-None-Match"] == '"1"'
        assert client.status().state is DataSourceState.VALID

        server.set_document(make_document(2, a=boolean_flag("a", serve=1)))
        wait_for(lambda: client.status().document_version == 2)
        assert client.variation("a", {"key": "u"}, True) is False


@pytest.mark.parametrize("mode", ["garbage", "truncated", "not-an-object"])
def test_polling__unusable_document__keeps_last_good_and_reports(
    server: FakePremiere, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Client(polling(server.url)) as client:
        server.set_document(make_document(2, a=boolean_flag("a", serve=1)))
        server.flags_mode = mode
        wait_for(lambda: client.status().state is DataSourceState.STALE)
        status = client.status()
        assert status.document_version == 1 and status.last_error
        assert "unusable document" in status.last_error
        assert client.variation("a", {"key": "u"}, False) is True

        server.flags_mode = "ok"
        wait_for(lambda: client.status().state is DataSourceState.VALID)
        assert client.variation("a", {"key": "u"}, True) is False


@pytest.mark.parametrize("code", [401, 403])
def test_polling__unauthorized__keeps_last_known_stops_and_says_why(
    server: FakePremiere, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    with Client(polling(server.url)) as client:
        server.flags_mode = str(code)
        wait_for(lambda: client.status().state is DataSourceState.REFUSED)
        source = client._background.source if client._background else None
        thread = getattr(source, "_thread", None)
        wait_for(lambda: thread is not None and not thread.is_alive())  # no request follows

        assert client.variation("a", {"key": "u"}, False) is True
        assert "sdk_key" in (client.status().last_error or "")
    assert any(r.levelno == logging.ERROR and "sdk_key" in r.getMessage() for r in caplog.records)


def test_client__wrong_key_at_start__refused_with_reason(server: FakePremiere) -> None:
    config = Config(
        sdk_key="wrong", base_url=server.url, streaming=False, start_wait=5.0, events=False
    )
    started = time.monotonic()
    with Client(config) as client:
        assert time.monotonic() - started < 2.0  # a 401 ends the start-up wait
        status = client.status()
        assert status.state is DataSourceState.REFUSED
        assert "(401)" in (status.last_error or "")
        assert client.variation("a", {"key": "u"}, "d") == "d"


def test_offline__bootstrap_only__no_network_state_off(
    server: FakePremiere, tmp_path: Path
) -> None:
    doc = make_document(4, a=boolean_flag("a"))
    config = Config(offline=True, base_url=server.url, bootstrap=doc, cache_path=tmp_path / "c")
    with Client(config) as client:
        assert client.variation("a", {"key": "u"}, False) is True
        client.track("signup", {"key": "u"})
        assert client.flush()
        status = client.status()
        assert (status.state, status.ready, status.source) == (
            DataSourceState.OFF,
            True,
            "bootstrap",
        )
    assert server.requests == []
    assert not (tmp_path / "c").exists()


def test_offline__bad_bootstrap_file__not_ready_with_error(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    path.write_text("{not json")
    with Client(Config(offline=True, bootstrap_path=path)) as client:
        assert not client.is_ready()
        assert "bootstrap" in (client.status().last_error or "")
        assert client.variation("a", {"key": "u"}, 5) == 5


def test_config__one_object__checked_on_creation() -> None:
    with pytest.raises(ValueError, match="sdk_key"):
        Config()
    with pytest.raises(ValueError, match="poll_interval"):
        Config(sdk_key="k", poll_interval=0)
    with pytest.raises(ValueError, match="not both"):
        Config(offline=True, bootstrap={}, bootstrap_path="x")


def test_polling__server_without_etags__same_document_not_reannounced(
    server: FakePremiere,
) -> None:
    server.flags_mode = "no-etag"
    calls: list[frozenset[str]] = []
    with Client(polling(server.url)) as client:
        snapshot = client._holder.current
        client.on_change(calls.append)
        wait_for(lambda: server.count("/api/v1/sdk/flags") >= 4)
        assert client._holder.current is snapshot  # not recompiled
        assert calls == [] and client.status().state is DataSourceState.VALID
        server.set_document(make_document(2, a=boolean_flag("a", serve=1)))
        wait_for(lambda: calls == [frozenset({"a", "b"})])


def test_client__dropped_without_close__threads_stop(server: FakePremiere) -> None:
    import gc
    import threading

    client = Client(polling(server.url))
    thread_names = {t.name for t in threading.enumerate()}
    assert "premiere-sdk-poll" in thread_names
    del client
    gc.collect()
    assert not any(t.name == "premiere-sdk-poll" for t in threading.enumerate())
