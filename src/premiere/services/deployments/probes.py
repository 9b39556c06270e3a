"""Running one verification check: its attempts, retries and backoff.

An HTTP attempt reads at most ``max_body_bytes`` of the answer and ends, connection and
all, within the check's ``timeout_seconds`` (a total deadline, not a per-read one); it
connects only where :class:`~premiere.services.deployments.network.AddressPolicy` allows. A
command attempt runs with a minimal environment (never the server's own variables, such
as its ``PREMIERE_*`` secrets), its output kept in a file, not in memory, and it is
killed at its timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpcore

from premiere.services.deployments.network import AddressPolicy, AddressRefusedError, CheckNetwork
from premiere.settings import Settings

OUTPUT_TAIL = 500
USER_AGENT = b"premiere-verification"
DEFAULT_MAX_BODY_BYTES = 1_048_576
COMMAND_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
"""The only variables of the server's environment a command check sees."""
_MISSING = object()


@dataclass(frozen=True)
class CheckLimits:
    """What every check run by this server is held to (from the settings)."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    addresses: AddressPolicy = field(default_factory=AddressPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckLimits:
        """``PREMIERE_CHECK_MAX_BODY_BYTES`` and ``PREMIERE_CHECK_ALLOWED_ADDRESSES``."""
        return cls(settings.check_max_body_bytes, AddressPolicy(settings.check_allowed_addresses))


class BodyTooLargeError(Exception):
    pass


def run_check(spec: Mapping[str, Any], limits: CheckLimits | None = None) -> dict[str, Any]:
    """Run one check with its retries and backoff; the result of the last attempt."""
    limits = limits or CheckLimits()
    attempts = 1 + int(spec.get("retries", 0))
    delay = float(spec.get("interval_seconds", 1.0))
    started = time.monotonic()
    outcome: dict[str, Any] = {}
    for attempt in range(1, attempts + 1):
        http = spec["kind"] == "http"
        outcome = _http_attempt(spec, limits) if http else _command_attempt(spec)
        if outcome["passed"] or attempt == attempts:
            break
        time.sleep(delay)
        delay *= float(spec.get("backoff", 2.0))
    status = "passed" if outcome.pop("passed") else "failed"
    return result_of(spec, status, attempt, time.monotonic() - started, **outcome)


def _http_attempt(spec: Mapping[str, Any], limits: CheckLimits) -> dict[str, Any]:
    timeout = float(spec.get("timeout_seconds", 5.0))
    try:
        status, body = _request(spec, limits, time.monotonic() + timeout)
    except (BodyTooLargeError, *REQUEST_ERRORS) as error:
        return {"passed": False, "reason": _failure(error, timeout, limits)}
    expected = int(spec.get("expected_status", 200))
    if status != expected:
        reason = f"status {status}, expected {expected}"
        return {"passed": False, "http_status": status, "reason": reason}
    problem = _body_problem(spec, body.decode("utf-8", errors="replace"))
    return {"passed": problem is None, "http_status": status, "reason": problem}


REQUEST_ERRORS = (
    ValueError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


def _request(spec: Mapping[str, Any], limits: CheckLimits, deadline: float) -> tuple[int, bytes]:
    """One request within ``deadline``: the status, and the body when the check reads it."""
    reads_body = bool(spec.get("body_contains") or spec.get("json_field"))
    network = CheckNetwork(limits.addresses, deadline)
    method = spec.get("method", "GET")
    headers = [(b"User-Agent", USER_AGENT), (b"Accept", b"*/*")]
    if method == "POST":
        headers.append((b"Content-Length", b"0"))
    with (
        httpcore.ConnectionPool(network_backend=network, max_connections=1) as pool,
        pool.stream(method, http_url(spec["url"]), headers=headers) as response,
    ):
        body = _read_body(response, limits.max_body_bytes) if reads_body else b""
        return response.status, body


def http_url(text: str) -> httpcore.URL:
    """The URL as httpx reads it (an international host name in IDNA, a path quoted);
    ValueError when it is not valid."""
    import httpx  # loaded by the first check, not by every process that imports this

    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as error:
        raise ValueError(str(error)) from None
    return httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )


def _failure(error: Exception, timeout: float, limits: CheckLimits) -> str:
    if isinstance(error, AddressRefusedError):
        return f"refused: {error}; see PREMIERE_CHECK_ALLOWED_ADDRESSES"
    if isinstance(error, BodyTooLargeError):
        return f"the body is larger than {limits.max_body_bytes} bytes"
    if isinstance(error, httpcore.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(error, ValueError):
        return f"request failed: the URL is not valid: {error}"
    return f"request failed: {error or type(error).__name__}"


def _read_body(response: httpcore.Response, limit: int) -> bytes:
    """The body, refused (:class:`BodyTooLargeError`) as soon as it passes ``limit``."""
    lengths = [value for name, value in response.headers if name.lower() == b"content-length"]
    length = lengths[0].strip() if lengths else b""
    if length.isdigit() and int(length) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _body_problem(spec: Mapping[str, Any], body: str) -> str | None:
    needle = spec.get("body_contains")
    if needle and needle not in body:
        return f"the body does not contain {needle!r}"
    field = spec.get("json_field")
    if not field:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return "the body is not JSON"
    actual = _dig(document, str(field["path"]))
    if actual is _MISSING:
        return f"the JSON has no field {field['path']!r}"
    if actual != field["equals"]:
        return f"{field['path']} is {json.dumps(actual)}, expected {json.dumps(field['equals'])}"
    return None


def _dig(document: Any, path: str) -> Any:
    current = document
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _command_attempt(spec: Mapping[str, Any]) -> dict[str, Any]:
    timeout = float(spec.get("timeout_seconds", 5.0))
    with tempfile.TemporaryFile() as output:
        try:
            process = subprocess.Popen(  # argv configured by admins; no shell
                list(spec["argv"]),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=command_environment(os.environ),
                start_new_session=True,  # its own process group, killed as a whole
            )
        except OSError as error:
            return {"passed": False, "reason": f"could not start: {error.strerror or error}"}
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return {"passed": False, "reason": f"still running after {timeout:g} s; killed"}
        tail = _tail(output)
    expected = int(spec.get("expected_exit_code", 0))
    if code == expected:
        return {"passed": True, "exit_code": code, "reason": None}
    return {
        "passed": False,
        "exit_code": code,
        "reason": f"exit code {code}, expected {expected}: {tail.strip()}",
    }


def command_environment(server: Mapping[str, str]) -> dict[str, str]:
    """The environment of a command check: a few of the server's harmless variables."""
    return {name: server[name] for name in COMMAND_ENVIRONMENT if name in server}


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, 9)
    except OSError:  # pragma: no cover - it ended meanwhile
        process.kill()
    process.wait()


def _tail(output: Any) -> str:
    size = output.seek(0, os.SEEK_END)
    output.seek(max(0, size - OUTPUT_TAIL * 4))
    return str(output.read().decode(errors="replace")[-OUTPUT_TAIL:])


def result_of(
    spec: Mapping[str, Any], status: str, attempts: int, seconds: float, **more: Any
) -> dict[str, Any]:
    result = {
        "key": spec.get("key"),
        "kind": spec.get("kind"),
        "status": status,
        "attempts": attempts,
        "duration_ms": int(seconds * 1000),
        "reason": more.get("reason"),
    }
    if spec.get("kind") == "http":
        result["http_status"] = more.get("http_status")
    else:
        result["exit_code"] = more.get("exit_code")
    return result
