"""A real OpenID provider for the single sign-on tests.

``run_provider(redirect_uris)`` starts ``tests/people/oidc/provider.mjs`` (the npm package
``oidc-provider`` on Node; ``npm ci --prefix tests/people/oidc`` installs it, as
scripts/test does) on a free loopback port, waits for its discovery document and stops
it when the block ends. Its signing key is made here, so that tests can sign tokens as
the provider does (``provider.key``). Tests that need it are skipped only when Node is
not installed; a provider that is installed but does not start fails them.

``sign_in_at_provider(url, login)`` follows an authorization URL as a browser would,
filling the provider's sign-in and consent forms, and returns the callback URL the
provider redirects to (with its ``code`` and ``state``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.api.live import free_port

PROVIDER_DIR = Path(__file__).parent / "oidc"
CLIENT_ID = "premiere"
CLIENT_SECRET = "premiere-test-client-secret"
START_SECONDS = 30


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    key: RSAKey
    """The provider's signing key (private)."""


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("the single sign-on tests need Node (node) to run their OpenID provider")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "the OpenID provider of the tests is not installed: "
            "run `npm ci --prefix tests/people/oidc` (scripts/test does)"
        )
    return node


@contextmanager
def run_provider(
    redirect_uris: Sequence[str], *, auth_method: str = "client_secret_basic"
) -> Iterator[Provider]:
    node = node_or_skip()
    port = free_port()
    key = RSAKey.generate_key(2048, {"kid": f"k{port}", "use": "sig", "alg": "RS256"})
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_JWKS": json.dumps({"keys": [key.as_dict(private=True)]}),
        "OIDC_AUTH_METHOD": auth_method,
    }
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_for_discovery(process, issuer)
        yield Provider(issuer, CLIENT_ID, CLIENT_SECRET, key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait_for_discovery(process: subprocess.Popen[str], issuer: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    url = f"{issuer}/.well-known/openid-configuration"
    while True:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the OpenID provider exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the OpenID provider did not answer at {url} in {START_SECONDS} s")
        time.sleep(0.05)


def sign_in_at_provider(authorization_url: str, login: str, redirect_uri: str) -> str:
    """The URL the provider sends the browser back to (``redirect_uri?code=…&state=…``)
    once ``login`` has signed in and consented."""
    url, method, data = authorization_url, "GET", None
    with httpx.Client(timeout=10) as client:
        for _ in range(20):
            response = client.request(method, url, data=data)
            if response.is_redirect:
                url, method, data = urljoin(url, response.headers["location"]), "GET", None
                if url.startswith(redirect_uri):
                    return url
                continue
            assert response.status_code == 200, response.text
            action, fields = _form(response.text)
            if "login" in fields:
                fields.update(login=login, password="any")
            url, method, data = urljoin(url, action), "POST", fields
    raise AssertionError("the provider never redirected back")


def _form(html: str) -> tuple[str, dict[str, str]]:
    found = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert found, html
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html
        )
    }
    if 'name="login"' in html:
        fields["login"] = ""
    return unescape(found.group(1)), fields


CALLBACK = "http://127.0.0.1:9/sign-in/sso/callback"
"""The callback of the service tests: nothing listens there, the tests read the URL."""
