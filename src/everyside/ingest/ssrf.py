"""The SSRF guard: which hosts everyside may fetch from.

A URL is refused when its host is, or resolves to, an address that is loopback, private,
link-local, multicast, reserved, unspecified or shared (CGNAT) — IPv4 and IPv6 alike, including
IPv4-mapped/compatible IPv6 (`::ffff:127.0.0.1`), NAT64/6to4 wrappers and the legacy integer
spellings of IPv4 (`2130706433`, `0177.0.0.1`, `0x7f.1`) that browsers and resolvers accept.
The fetcher checks every redirect hop. The setting `allow_private_addresses`
(EVERYSIDE_ALLOW_PRIVATE_ADDRESSES=1) turns the guard off, e.g. for a self-hosted feed on a LAN.

Known limit: the address is checked at resolution time and the connection resolves again, so a
DNS server that answers differently within milliseconds (rebinding) is not fully covered.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from everyside.errors import BlockedURLError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SETTING_HINT = "set allow_private_addresses (EVERYSIDE_ALLOW_PRIVATE_ADDRESSES=1) to allow it"
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_ip(host: str) -> IPAddress | None:
    """The address a host literal denotes, including legacy IPv4 spellings; None for names."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and host[0].isdigit():
        try:  # inet_aton accepts 127.1, 2130706433, 0177.0.0.1, 0x7f.0.0.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _unwrap(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
            return ipaddress.IPv4Address(int(ip))
    return ip


def refusal_rule(ip: IPAddress) -> str | None:
    """Name of the rule that refuses `ip`, or None when it is a public address."""
    ip = _unwrap(ip)
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared (CGNAT)", isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-global", not ip.is_global),
    )
    for rule, hit in checks:
        if hit:
            return rule
    return None


def _refuse(url: str, host: str, ip: IPAddress, rule: str) -> BlockedURLError:
    via = "" if parse_ip(host) is not None else f" (resolves to {ip})"
    return BlockedURLError(
        url, f"refused by the SSRF guard: {host}{via} is a {rule} address; {SETTING_HINT}"
    )


def check_literal(url: str) -> list[IPAddress] | None:
    """Refuse a URL whose host is a forbidden IP literal; return [ip] if it is a fine literal,
    None when the host is a name that still needs resolving."""
    host = urlsplit(url).hostname or ""
    if not host:
        raise BlockedURLError(url, "no host in URL")
    if host == "localhost" or host.endswith(".localhost"):
        raise BlockedURLError(
            url, f"refused by the SSRF guard: {host} is a loopback name; {SETTING_HINT}"
        )
    ip = parse_ip(host)
    if ip is None:
        return None
    rule = refusal_rule(ip)
    if rule:
        raise _refuse(url, host, ip, rule)
    return [ip]


async def resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def check_url(url: str, allow_private: bool, resolver: Resolver | None = None) -> None:
    """Raise BlockedURLError unless `url` may be fetched (every address of its host public)."""
    if allow_private:
        return
    if check_literal(url) is not None:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = await (resolver or resolve)(host, port)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(url, f"cannot resolve host {host}: {e}") from e
    for ip in addresses:
        rule = refusal_rule(ip)
        if rule:
            raise _refuse(url, host, ip, rule)
