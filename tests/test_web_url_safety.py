"""read_page refuses local and private addresses by default: literal, resolved, and on every redirect hop.

No test here connects anywhere but 127.0.0.1: the refusals happen before any connection,
and host names are resolved by a fake resolver (no DNS query leaves the machine).
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import httpx
import pytest

from desktop_app.core.errors import ToolError
from desktop_app.tools.base import ToolResult
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.web.read_page import ReadPage
from desktop_app.tools.web.url_safety import (
    LOCAL_ADDRESS_MESSAGE,
    LocalAddressRefused,
    check_url,
    guarded_transport,
    is_public_address,
)
from tests.servers.scripted import Response, ScriptedServer

LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]
LOCAL_URLS = [
    "http://127.0.0.1/",
    "http://127.5.6.7:8080/admin",
    "http://10.0.0.1/",
    "http://172.16.3.4/",
    "http://192.168.1.1/router",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0:8000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",
    "http://localhost:5000/",
]


def run_tool(tool: ReadPage, **args: Any) -> ToolResult:
    return asyncio.run(ToolRegistry([tool]).execute(tool, args))


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),
        ("224.0.0.251", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:192.168.1.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a00:1", False),  # NAT64 for 10.0.0.1
        ("2002:c0a8:0101::1", False),  # 6to4 for 192.168.1.1
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize("url", LOCAL_URLS)
def test_default_refuses_local_and_private_addresses(url: str) -> None:
    result = run_tool(ReadPage(), url=url)
    assert result.is_error
    assert result.text.startswith(LOCAL_ADDRESS_MESSAGE)
    assert "is not a public internet address" in result.text


def test_the_local_server_itself_is_refused_by_default(scripted_server: ScriptedServer) -> None:
    scripted_server.push(Response.text("secret admin page"))
    result = run_tool(ReadPage(), url=f"{scripted_server.url}/admin")
    assert result.is_error and result.text.startswith(LOCAL_ADDRESS_MESSAGE)
    assert scripted_server.requests == []


def test_allow_local_urls_lets_it_through(scripted_server: ScriptedServer) -> None:
    scripted_server.push(Response.text("the router says hello"))
    result = run_tool(ReadPage(allow_local_urls=True), url=f"{scripted_server.url}/admin")
    assert not result.is_error and "the router says hello" in result.text


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://192.168.0.1/setup",
        "http://[::1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:{port}/",
        "http://127.0.0.2:{port}/",
    ],
)
def test_a_redirect_to_a_local_address_is_refused(scripted_server: ScriptedServer, target: str) -> None:
    # A hole for 127.0.0.1 alone, so the public-looking first hop (our server) can be reached.
    port = scripted_server.url.rsplit(":", 1)[1]
    location = target.format(port=port)
    scripted_server.push(Response(302, [("Location", location), ("Content-Length", "0")], [], chunked=False))
    result = run_tool(ReadPage(allowed_networks=LOOPBACK_ONLY), url=f"{scripted_server.url}/innocent")
    assert result.is_error and result.text.startswith(LOCAL_ADDRESS_MESSAGE), result.text
    assert [r.path for r in scripted_server.requests] == ["/innocent"]


def test_a_name_resolving_to_any_private_address_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return {"mixed.example": ["93.184.216.34", "10.0.0.5"], "intranet.example": ["192.168.4.4"]}[host]

    for host in ("mixed.example", "intranet.example"):
        with pytest.raises(LocalAddressRefused):
            asyncio.run(check_url(f"https://{host}/", resolve=resolve))


def test_dns_rebinding_is_caught_at_connect_time() -> None:
    """The name passes the first check, then resolves to a private address when connecting."""
    answers = iter([["93.184.216.34"], ["10.9.8.7"]])

    async def resolve(host: str, port: int) -> list[str]:
        return next(answers)

    result = run_tool(ReadPage(resolve=resolve), url="http://rebind.example/")
    assert result.is_error and "rebind.example (10.9.8.7)" in result.text


def test_the_transport_guards_every_connection(scripted_server: ScriptedServer) -> None:
    """Even a client that skips check_url cannot reach a local address through the guarded transport."""
    scripted_server.push(Response.text("should not be served"))

    async def main() -> None:
        async with httpx.AsyncClient(transport=guarded_transport()) as client:
            await client.get(f"{scripted_server.url}/")

    with pytest.raises(LocalAddressRefused):
        asyncio.run(main())
    assert scripted_server.requests == []


def test_unresolvable_names_and_credentials_are_plain_errors() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(ToolError, match="could not be found"):
        asyncio.run(check_url("https://no-such-host.example/", resolve=resolve))
    with pytest.raises(ToolError, match="user name or password"):
        asyncio.run(check_url("https://user:pw@example.org/", allow_local_urls=True))
