"""A small HTTP client for the Premiere API that turns failures into CLI errors."""

from __future__ import annotations

import difflib
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from premiere.cli.exits import CliError, NotFound, Unreachable, error_for


def path(*parts: str) -> str:
    """``/api/v1/`` followed by the URL-quoted parts."""
    return "/api/v1/" + "/".join(quote(p, safe="") for p in parts)


@dataclass
class Response:
    """A successful response: its JSON body (or None) and its version, from the ETag."""

    body: Any
    version: int | None


class ApiClient:
    """Talks to one Premiere server with one token; every method raises CliError on failure."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.has_token = bool(token)
        headers = {"User-Agent": "premiere-cli"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=tls_verification(self.url),
        )

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", url, params=params).body

    def post(self, url: str, body: Any = None) -> Any:
        return self.request("POST", url, json=body).body

    def delete(self, url: str, version: int | None = None) -> Any:
        return self.request("DELETE", url, version=version).body

    def patch(self, url: str, body: Any, version: int | None) -> Any:
        return self.request("PATCH", url, json=body, version=version).body

    def put(self, url: str, body: Any, version: int | None) -> Any:
        return self.request("PUT", url, json=body, version=version).body

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        version: int | None = None,
    ) -> Response:
        headers = {"If-Match": f'"{version}"'} if version is not None else {}
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(
                method, url, json=json, params=clean or None, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise Unreachable(
                f"cannot reach the Premiere server at {self.url} ({exc}).\n"
                "Start one with `premiere serve`, or point PREMIERE_URL (or --url) at it."
            ) from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"request to {self.url} failed: {exc}") from exc
        if response.status_code >= 400:
            error = _error_from(response)
            if error.code == "unauthorized" and not self.has_token:
                hint = (
                    "\nRun `premiere login`, or set PREMIERE_TOKEN (or --token); "
                    "`premiere serve` printed the admin token when it first started."
                )
                error = error_for(error.code, error.message + hint, error.details)
            if isinstance(error, NotFound):
                error = self._with_suggestions(error, url)
            raise error
        if response.headers.get("content-type", "").startswith("text/csv"):
            return Response(response.text, None)  # an export: the text as it came
        try:
            body = response.json() if response.content else None
        except ValueError:
            raise CliError(
                f"{self.url} answered {method} {url} with something other than JSON; "
                "is PREMIERE_URL (or --url) a Premiere server?"
            ) from None
        return Response(body, _version_from_etag(response.headers.get("ETag")))

    def _with_suggestions(self, error: NotFound, url: str) -> NotFound:
        """A missing environment, flag, segment or project, with the keys closest to the one
        asked for ("did you mean ...?") and the keys there are."""
        resource, key = error.details.get("resource"), error.details.get("key")
        parts = url.split("/")
        listing = SUGGESTED.get(str(resource))
        if not isinstance(key, str) or listing is None:
            return error
        if listing != "projects":
            if parts[3:4] != ["projects"] or len(parts) < 5:
                return error
            listing = f"projects/{parts[4]}/{listing}"
        try:
            found = self._http.get(f"/api/v1/{listing}", params={"archived": "true"})
            keys = [str(item["key"]) for item in found.json()] if found.is_success else []
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return error
        if not keys:
            return error
        message = error.message + did_you_mean(key, keys, SUGGESTED[str(resource)])
        return NotFound(message, code=error.code, details=error.details)


def did_you_mean(key: str, keys: list[str], plural: str) -> str:
    """``\ndid you mean production?\nknown environments: ...`` (the guess when one is close)."""
    close = (
        difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
        or [k for k in keys if k.lower().startswith(key.lower()) and len(key) >= 2][:1]
    )
    hint = f"\ndid you mean {close[0]}?" if close else ""
    shown = ", ".join(keys[:MAX_LISTED]) + (", ..." if len(keys) > MAX_LISTED else "")
    return f"{hint}\nknown {plural}: {shown}"


SUGGESTED = {"environment": "environments", "flag": "flags", "segment": "segments",
             "project": "projects", "service": "services", "release": "releases"}  # fmt: skip
"""Missing resources answered with "did you mean ...?": resource -> its list in the API."""
MAX_LISTED = 30


def tls_verification(url: str) -> ssl.SSLContext | bool:
    """httpx's ``verify`` for a client of ``url``: the CA bundle (``True``) when TLS may be
    spoken, to an https server or to a proxy; for a plain-http server without a proxy, a
    context that verifies everything yet trusts no certificate. Nothing is loaded for it
    (loading the CA bundle takes longer than a command's request), and any TLS
    connection would fail rather than go unchecked."""
    if not url.startswith("http://") or urllib.request.getproxies():
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, no CAs


def _error_from(response: httpx.Response) -> CliError:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
        details = error.get("details") or {}
    except (ValueError, KeyError, TypeError):
        text = response.text.strip()[:200] or response.reason_phrase
        return CliError(f"the server answered HTTP {response.status_code}: {text}")
    return error_for(code, message, details if isinstance(details, dict) else {})


def _version_from_etag(etag: str | None) -> int | None:
    if not etag:
        return None
    text = etag.removeprefix("W/").strip('"')
    return int(text) if text.isdigit() else None


__all__ = ["ApiClient", "CliError", "Response", "did_you_mean", "path"]
