"""pytest-bdd's configuration for OpenFeature's Gherkin suites: tags, and what is skipped."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openfeature import api
from openfeature.exception import OpenFeatureError
from openfeature.provider import ProviderStatus
from pytest_bdd import given, parsers, then

from premiere.sdk import Config
from premiere.sdk.openfeature import PremiereProvider
from premiere.sdk.testing import InMemoryServer
from premiere.sdk.transport import Fetched, TransportError

from ..support import wait_for

# Scenarios that test what a provider evaluating locally from a flag document does not
# have, or the OpenFeature SDK's own machinery rather than a provider.
SKIPPED = {
    "reason-codes-cached": "no CACHED reason: every evaluation is made locally from the "
    "current flag document, never answered from a cache of earlier answers",
    "metadata": "Premiere flags carry no custom metadata: flag_metadata holds the "
    "evaluation's own (reason_kind, flag_version, ...), docs/openfeature.md",
    "hooks": "tests the OpenFeature SDK's hooks, which run around any provider",
    "immutability": "tests the OpenFeature SDK's evaluation details and context objects",
}
# Examples tags, applied by pytest-bdd as markers.
EXAMPLE_TAGS = ("booleans", "strings", "numbers", "objects")


def pytest_configure(config: pytest.Config) -> None:
    for tag in EXAMPLE_TAGS:
        config.addinivalue_line("markers", f"{tag}: OpenFeature Gherkin examples of that type")


def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> bool:
    """Skip the scenarios of :data:`SKIPPED`; other tags (the specification's numbers)
    are documentation, not markers."""
    if tag in SKIPPED:
        pytest.mark.skip(reason=SKIPPED[tag])(function)
    return True


# -- providers -------------------------------------------------------------------------

FLAGS = json.loads((Path(__file__).parent / "flags.json").read_text(encoding="utf-8"))
_domains = itertools.count()


class _Unreachable:
    """A transport to a server that cannot be reached."""

    def fetch_document(self, etag: str | None) -> Fetched:
        raise TransportError("unreachable")

    def open_stream(self, last_event_id: str | None) -> Any:
        raise TransportError("unreachable")

    def post_events(self, payload: dict[str, Any]) -> tuple[int, float]:
        raise TransportError("unreachable")

    def interrupt_streams(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Gated:
    """``server``'s transport, whose flag requests wait until :attr:`gate` is set."""

    def __init__(self, server: InMemoryServer) -> None:
        self.server = server
        self.gate = threading.Event()

    def transport(self, config: Config) -> Any:
        inner, gate = self.server.transport(config), self.gate

        class Gated:
            def fetch_document(self, etag: str | None) -> Fetched:
                gate.wait()
                return inner.fetch_document(etag)

            def __getattr__(self, name: str) -> Any:
                return getattr(inner, name)

        return Gated()


def _config(**kw: Any) -> Config:
    settings: dict[str, Any] = {"sdk_key": "gherkin", "events": False, "streaming": False}
    return Config(**{**settings, "poll_interval": 0.05, "reconnect_delay": 0.02, **kw})


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    """What the steps of one scenario share: the client, the flag, the context, the result."""
    state: dict[str, Any] = {"context": {}, "closing": []}
    yield state
    for close in state["closing"]:
        close()
    api.clear_providers()


def _client(world: dict[str, Any], provider: PremiereProvider, *, wait: bool = True) -> None:
    domain = f"gherkin-{next(_domains)}"
    world["provider"] = provider
    if wait:
        with contextlib.suppress(OpenFeatureError):
            api.set_provider_and_wait(provider, domain=domain)
    else:
        api.set_provider(provider, domain=domain)
    world["client"] = api.get_client(domain)


@given(parsers.parse("a {status} provider"))
def a_provider(world: dict[str, Any], status: str) -> None:
    server = InMemoryServer(FLAGS)
    if status == "stable":
        _client(world, PremiereProvider(_config(transport=server.transport)))
    elif status == "fatal":
        server.refuse_key(401)
        _client(world, PremiereProvider(_config(transport=server.transport)))
    elif status == "error":
        unreachable = _config(transport=lambda config: _Unreachable(), start_wait=0.05)
        _client(world, PremiereProvider(unreachable))
    elif status == "stale":
        config = _config(transport=lambda c: _Unreachable(), bootstrap=FLAGS, start_wait=0.05)
        _client(world, PremiereProvider(config))
        stale = ProviderStatus.STALE
        wait_for(lambda: world["client"].get_provider_status() is stale)
    elif status == "not ready":
        gated = _Gated(server)
        provider = PremiereProvider(_config(transport=gated.transport, start_wait=10.0))
        _client(world, provider, wait=False)

        def release() -> None:  # a refused key ends initialize at once
            server.refuse_key(401)
            gated.gate.set()
            wait_for(lambda: provider.client is not None)

        world["closing"].append(release)
    else:
        raise AssertionError(f"no such provider: {status}")


@then(parsers.parse('the provider status should be "{status}"'))
def provider_status(world: dict[str, Any], status: str) -> None:
    assert world["client"].get_provider_status() is ProviderStatus(status)
