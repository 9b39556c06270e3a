"""An HTTP check whose URL names a link-local or metadata address (or a metadata host) is
refused when it is written, not only when it runs, unless the allow-list names it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from premiere.api import create_app
from premiere.services.deployments.network import AddressPolicy
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running

CHECKS = "/api/v1/projects/shop/services/web/checks"
REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.10.20:8080/",
    "https://169.254.169.254./",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]:8080/",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:169.254.169.254]/",
    "http://100.100.100.200/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.goog./",
    "http://user:pw@metadata/",
]


def _errors(response: Any) -> set[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return {(e["field"], e["rule"]) for e in response.json()["error"]["details"]["errors"]}


@pytest.mark.parametrize("url", REFUSED)
def test_create_check__link_local_or_metadata_url__refused_and_nothing_stored(
    shop: Api, url: str
) -> None:
    response = shop.post(CHECKS, {"key": "meta", "kind": "http", "url": url})

    assert ("url", "address_refused") in _errors(response)
    message = response.json()["error"]["details"]["errors"][0]["message"]
    assert "PREMIERE_CHECK_ALLOWED_ADDRESSES" in message
    assert shop.ok(shop.get(CHECKS)) == []


def test_replace_check__metadata_url__refused_and_check_unchanged(shop: Api) -> None:
    created = shop.ok(
        shop.post(CHECKS, {"key": "h", "kind": "http", "url": "http://10.0.0.8/"}), 201
    )

    response = shop.put(
        f"{CHECKS}/h", {"kind": "http", "url": "http://169.254.169.254/", "version": 1}
    )

    assert _errors(response) == {("url", "address_refused")}
    assert shop.ok(shop.get(f"{CHECKS}/h")) == created


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/health",
        "http://[::1]/health",
        "http://10.0.0.8/health",
        "https://innocent.example/health",  # a name: judged on its addresses when it runs
        "http://metadata.example.com/",
    ],
)
def test_create_check__loopback_private_or_name__accepted(shop: Api, url: str) -> None:
    view = shop.ok(shop.post(CHECKS, {"key": "ok", "kind": "http", "url": url}), 201)

    assert view["url"] == url


@pytest.fixture
def allowing(store: Store) -> Iterator[Api]:
    """The app with ``PREMIERE_CHECK_ALLOWED_ADDRESSES=169.254.169.254,metadata.goog``."""
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings.from_env(
        {
            "PREMIERE_DATABASE_URL": "unused://",
            "PREMIERE_CHECK_ALLOWED_ADDRESSES": "169.254.169.254,metadata.goog",
        }
    )
    with running(create_app(settings, store)) as client:
        api = Api(client, store, admin_token)
        api.project("shop", ("staging",))
        api.ok(api.post("/api/v1/projects/shop/services", {"key": "web"}), 201)
        yield api


def test_create_check__allow_listed_address__accepted(allowing: Api) -> None:
    for key, url in (("aws", "http://169.254.169.254/"), ("gcp", "http://metadata.goog/")):
        allowing.ok(allowing.post(CHECKS, {"key": key, "kind": "http", "url": url}), 201)

    refused = allowing.post(CHECKS, {"key": "ecs", "kind": "http", "url": "http://169.254.170.2/"})
    assert _errors(refused) == {("url", "address_refused")}


def test_address_policy__literal_refusal__judges_literals_and_metadata_names_only() -> None:
    policy = AddressPolicy(("169.254.0.0/16",))

    assert AddressPolicy().literal_refusal("169.254.169.254") == (
        "169.254.169.254 is a link-local or cloud metadata address"
    )
    assert AddressPolicy().literal_refusal("metadata") == "metadata is a cloud metadata host"
    assert AddressPolicy().literal_refusal("innocent.example") is None
    assert AddressPolicy().literal_refusal("127.0.0.1") is None
    assert policy.literal_refusal("169.254.1.1") is None
    assert policy.literal_refusal("fe80::1") is not None
