"""Where an HTTP verification check may connect, and for how long.

:class:`CheckNetwork` is an ``httpcore`` network backend that

- resolves the host itself and connects to an address it has checked, so a name that
  resolves to a link-local or cloud metadata address (``169.254.0.0/16``, ``fe80::/10``,
  ``169.254.169.254``, ``fd00:ec2::254``, ``metadata.google.internal``) is refused unless
  the allow-list names it (loopback and private addresses stay allowed: on-host and
  in-cluster health checks need them; a policy with ``refuse_private``, the outgoing
  webhooks', refuses them too, and unspecified, multicast and reserved addresses);
- cuts the name lookup, every connect, TLS handshake, read and write to what is left of
  one total deadline, so a target that answers a byte at a time (or a resolver that
  hangs) cannot stretch an attempt past its ``timeout_seconds``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})


class AddressRefusedError(httpcore.ConnectError):
    """The check's host is (or resolves to) an address checks may not reach."""


@dataclass(frozen=True)
class AddressPolicy:
    """Link-local and metadata addresses are refused unless ``allowed`` names them:
    an address, a network (``169.254.0.0/16``) or a host name; with ``refuse_private``
    also private, loopback, unspecified, multicast and reserved ones."""

    allowed: tuple[str, ...] = ()
    refuse_private: bool = False

    def refusal(self, host: str, addresses: Iterable[IPAddress]) -> str | None:
        """Why ``host`` (resolved to ``addresses``) may not be reached, or None."""
        name = host.lower().rstrip(".")
        if name in self._allowed_names:
            return None
        if name in METADATA_HOSTS:
            return f"{host} is a cloud metadata host"
        kind = self._kind
        for address in addresses:
            forbidden = _forbidden(address, private=self.refuse_private)
            if forbidden and not any(address in n for n in self._allowed_networks):
                if address == literal_address(host):
                    return f"{host} is {kind}"
                return f"{host} resolves to {address}, {kind}"
        return None

    @property
    def _kind(self) -> str:
        if self.refuse_private:
            return "a private, loopback, link-local or cloud metadata address"
        return "a link-local or cloud metadata address"

    def literal_refusal(self, host: str) -> str | None:
        """Why ``host`` may not be reached, judged without a name lookup: a metadata host
        name or a literal address. A name that needs resolving passes here; it is judged
        on its addresses when the check runs."""
        address = literal_address(host)
        return self.refusal(host, () if address is None else (address,))

    @property
    def _allowed_names(self) -> frozenset[str]:
        return frozenset(e.lower().rstrip(".") for e in self.allowed if _network(e) is None)

    @property
    def _allowed_networks(self) -> tuple[Network, ...]:
        return tuple(n for e in self.allowed if (n := _network(e)) is not None)


class CheckNetwork(httpcore.NetworkBackend):
    """Connections for one attempt: addresses checked, every step within ``deadline``
    (a ``time.monotonic()`` instant)."""

    def __init__(self, policy: AddressPolicy, deadline: float) -> None:
        self.policy = policy
        self.deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        refusal = self.policy.refusal(host, ())  # metadata host names, before resolving
        addresses = _resolve(host, port, self.deadline) if refusal is None else []
        refusal = refusal or self.policy.refusal(host, addresses)
        if refusal is not None:
            raise AddressRefusedError(refusal)
        failure: httpcore.ConnectError | None = None
        for address in addresses:  # in the resolver's order, as socket.create_connection
            wait = left(self.deadline, timeout)
            try:
                stream = self._backend.connect_tcp(
                    str(address), port, wait, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                failure = error
                continue
            return DeadlineStream(stream, self.deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - checks name http(s) URLs only
        raise AddressRefusedError("checks do not connect to unix sockets")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - the pool never retries
        time.sleep(seconds)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self.stream = stream
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, left(self.deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, left(self.deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = left(self.deadline, timeout)
        return DeadlineStream(
            self.stream.start_tls(ssl_context, server_hostname, wait), self.deadline
        )

    def get_extra_info(self, info: str) -> typing.Any:
        return self.stream.get_extra_info(info)


def left(
    deadline: float,
    timeout: float | None,
    expired: type[httpcore.TimeoutException] = httpcore.ConnectTimeout,
) -> float:
    """What is left until ``deadline`` (at most ``timeout``); raises ``expired`` at 0."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the check's time is up")
    return remaining if timeout is None else min(timeout, remaining)


def _resolve(host: str, port: int, deadline: float) -> list[IPAddress]:
    """The host's addresses, looked up within the deadline (the system resolver has no
    timeout of its own: it runs in a thread of its own, left behind if it hangs)."""
    found: list[Any] = []
    failure: list[OSError] = []

    def look_up() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            failure.append(error)

    resolver = threading.Thread(target=look_up, name="premiere-check-resolve", daemon=True)
    resolver.start()
    resolver.join(left(deadline, None))
    if resolver.is_alive():
        raise httpcore.ConnectTimeout(f"cannot resolve {host} in time")
    if failure or not found:
        raise httpcore.ConnectError(f"cannot resolve {host}: {failure[0] if failure else ''}")
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells literally (``169.254.169.254``, ``[fe80::1%eth0]``), or
    None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0].rstrip("."))
    except ValueError:
        return None


def _forbidden(address: IPAddress, *, private: bool = False) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local or address in METADATA_ADDRESSES:
        return True
    return private and (
        address.is_private
        or address.is_loopback
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or address in SHARED_ADDRESS_SPACE
    )


def _network(entry: str) -> Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None
