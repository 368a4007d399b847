"""Which addresses a model-chosen URL may reach: the public internet only, unless the user allows more.

A page the model reads can tell it to read ``http://192.168.1.1/admin`` or
``http://localhost:8080/``; without this check a prompt injection could reach
the user's router or local services. So, by default, every connection that
``read_page`` opens goes through :class:`GuardedNetworkBackend`: it resolves
the host name itself, refuses the connection when any of its addresses is not
a public one, and connects to the address it checked. Checking at connect time
(not once before the request) covers every redirect hop and leaves no gap for
a DNS answer that changes between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from urllib.parse import urlsplit

import httpcore
import httpx

from ...core.errors import ToolError

__all__ = [
    "LOCAL_ADDRESS_MESSAGE",
    "GuardedNetworkBackend",
    "IPNetwork",
    "LocalAddressRefused",
    "Resolver",
    "check_url",
    "guarded_transport",
    "is_public_address",
    "resolve_host",
]

LOCAL_ADDRESS_MESSAGE = (
    "Backstage does not read addresses on your own computer or local network unless you allow it in settings"
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Ranges that carry an IPv4 address inside an IPv6 one; the IPv4 part is what gets reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class LocalAddressRefused(ToolError):
    """Raised when a URL, or a redirect hop, leads to a loopback, private or otherwise non-public address."""

    def __init__(self, host: str, address: str = "") -> None:
        shown = host if not address or address == host else f"{host} ({address})"
        super().__init__(f"{LOCAL_ADDRESS_MESSAGE}: {shown} is not a public internet address.")
        self.host = host
        self.address = address


def is_public_address(address: str | IPAddress) -> bool:
    """True for an address on the public internet; False for loopback, private, link-local,
    multicast, reserved, unspecified and shared (carrier NAT) ones, including IPv4 addresses
    wrapped in IPv6 (``::ffff:127.0.0.1``, NAT64, 6to4)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.scope_id:  # "fe80::1%eth0" and the like only make sense on a local link
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, without blocking the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class _Policy:
    def __init__(self, allowed_networks: Iterable[IPNetwork] = ()) -> None:
        self.allowed_networks = tuple(allowed_networks)

    def allows(self, address: str) -> bool:
        base, _, scope = address.partition("%")  # getaddrinfo writes link-local IPv6 as "fe80::1%eth0"
        ip = _literal(base)
        if ip is None:
            return False
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return True
        return not scope and is_public_address(ip)


async def _checked_addresses(host: str, port: int, policy: _Policy, resolve: Resolver) -> list[str]:
    """The addresses to connect to, or LocalAddressRefused when any of them is not allowed.

    All of them must pass, not just the first: a name that resolves to both a public and a
    private address is exactly what an attacker would set up.
    """
    literal = _literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise ToolError(f"The address {host} could not be found (the name does not resolve).") from exc
        if not addresses:
            raise ToolError(f"The address {host} could not be found (the name does not resolve).")
    for address in addresses:
        if not policy.allows(address):
            raise LocalAddressRefused(host, address)
    return addresses


async def check_url(
    url: str,
    *,
    allow_local_urls: bool = False,
    allowed_networks: Sequence[IPNetwork] = (),
    resolve: Resolver = resolve_host,
) -> httpx.URL:
    """Parse ``url`` and refuse what ``read_page`` must not fetch; return the parsed URL.

    Raises :class:`~desktop_app.core.errors.ToolError` with a plain message for a scheme other
    than http(s), a URL without a host, credentials in the URL, or (unless ``allow_local_urls``)
    a host that is or resolves to a non-public address.
    """
    text = url.strip()
    scheme = urlsplit(text).scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme else "a web address"
        raise ToolError(f"Backstage only reads http and https pages; {text[:200]!r} is not ({shown}).")
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ToolError(f"{text[:200]!r} is not a valid web address ({exc}).") from exc
    if not parsed.host:
        raise ToolError(f"{text[:200]!r} has no host name.")
    if parsed.userinfo:
        raise ToolError("Backstage does not read addresses that carry a user name or password.")
    if not allow_local_urls:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await _checked_addresses(parsed.host, port, _Policy(allowed_networks), resolve)
    return parsed


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to allowed addresses (see the module docstring).

    ``allowed_networks`` lets tests (or a future setting) open a narrow hole, e.g. 127.0.0.1/32.
    TLS still verifies the host name: httpcore starts TLS with the URL's host, not the address.
    """

    def __init__(
        self,
        *,
        allowed_networks: Iterable[IPNetwork] = (),
        resolve: Resolver = resolve_host,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = _Policy(allowed_networks)
        self._resolve = resolve
        self._backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _checked_addresses(host, port, self._policy, self._resolve)
        last_error: Exception | None = None
        for address in addresses:  # the ones we checked, never a fresh lookup
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise LocalAddressRefused(path)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def guarded_transport(
    *,
    verify: ssl.SSLContext | bool = True,
    allow_local_urls: bool = False,
    allowed_networks: Iterable[IPNetwork] = (),
    resolve: Resolver = resolve_host,
) -> httpx.AsyncHTTPTransport:
    """An httpx transport for model-chosen URLs: environment proxies are ignored (a proxy would
    hide where a request really goes) and, unless ``allow_local_urls``, every connection is
    checked by :class:`GuardedNetworkBackend`. Pass a shared ``verify`` context: building one
    costs ~25 ms of CPU (see :mod:`.tls`)."""
    context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
    transport = httpx.AsyncHTTPTransport(verify=context, trust_env=False, retries=0)
    if allow_local_urls:
        return transport
    # httpx does not take a network backend, so its pool is rebuilt with one. The pool's
    # public constructor is used; only the attribute that holds it is httpx's own.
    pool = transport._pool
    if not isinstance(pool, httpcore.AsyncConnectionPool):  # pragma: no cover - a new httpx layout
        raise RuntimeError("unexpected httpx transport layout; the address guard cannot be installed")
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        retries=0,
        network_backend=GuardedNetworkBackend(allowed_networks=allowed_networks, resolve=resolve),
    )
    return transport
