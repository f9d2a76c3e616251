"""The SSRF guard: which hosts everyside may fetch from, decided where the socket is opened.

A URL is refused when its host is, or resolves to, an address that is loopback, private,
link-local, site-local (`fec0::/10`), multicast, reserved, unspecified or shared (CGNAT) —
IPv4 and IPv6 alike, including IPv4-mapped/compatible IPv6 (`::ffff:127.0.0.1`), NAT64/6to4
wrappers and the legacy integer spellings of IPv4 (`2130706433`, `0177.0.0.1`, `0x7f.1`).

Two steps, in this order:
1. `Guard.check_literal(url)`: refuse by the URL alone, with no DNS query — forbidden IP
   literals, and names that only ever mean something inside a network (`localhost`,
   single-label names such as `metadata` that the resolver would complete with a search domain,
   `.local`, `.internal`, `.home.arpa`, `.onion`, ...). Nothing about them leaks to a resolver.
2. `Guard.addresses(host, port)`: resolve once and refuse if any address is forbidden. The
   fetcher's network backend (`GuardedBackend`) calls this at connect time and connects to the
   address it got, never resolving the name a second time: a DNS server that answers a public
   address to the check and a private one to the connection (rebinding) has no second answer to
   give. TLS still verifies the certificate against the name (SNI and Host are the URL's).

The setting `allow_private_addresses` (EVERYSIDE_ALLOW_PRIVATE_ADDRESSES=1) turns the guard off,
e.g. for a self-hosted feed on a LAN.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._utils import is_socket_readable

from everyside.errors import BlockedURLError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SETTING_HINT = "set allow_private_addresses (EVERYSIDE_ALLOW_PRIVATE_ADDRESSES=1) to allow it"
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SITE_LOCAL_V6 = ipaddress.ip_network("fec0::/10")  # deprecated, yet routed inside some sites
# Names that only resolve inside a network (RFC 6761, 6762, 7686, 8375, ICANN's .internal)
# or on this machine (Debian's /etc/hosts): refused without asking a resolver.
LOCAL_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "private",
    "localdomain",
    "home.arpa",
    "onion",
    "test",
    "invalid",
    "alt",
)
LOCAL_NAMES = ("ip6-localhost", "ip6-loopback")

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
Rule = Callable[[IPAddress], str | None]


def parse_ip(host: str) -> IPAddress | None:
    """The address a host literal denotes, including legacy IPv4 spellings; None for names."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%")[0])
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
    v6 = isinstance(ip, ipaddress.IPv6Address)
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("site-local", v6 and ip in SITE_LOCAL_V6),  # `is_global` is True for fec0::/10
        ("multicast", ip.is_multicast),
        ("shared (CGNAT)", not v6 and ip in CGNAT),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-global", not ip.is_global),
    )
    for rule, hit in checks:
        if hit:
            return rule
    return None


def local_name_rule(host: str) -> str | None:
    """Why a host *name* is refused without resolving it, or None if it may be resolved."""
    name = host.rstrip(".").lower()
    if "." not in name:
        if name in ("localhost", *LOCAL_NAMES):
            return "loopback name"
        return "single-label name (completed by the resolver's search domains)"
    for suffix in LOCAL_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            return "loopback name" if suffix == "localhost" else f"local-only name (.{suffix})"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of `host` (the system resolver, off the event loop)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


class Guard:
    """The policy: `check_literal` before any I/O, `addresses` once per connection.

    `rule` decides which addresses are refused (tests pass one that lets their local server
    through); `resolver` is the DNS lookup (the system's by default)."""

    def __init__(
        self, allow_private: bool, resolver: Resolver | None = None, rule: Rule = refusal_rule
    ):
        self.allow_private = allow_private
        self.resolver = resolver or resolve
        self.rule = rule

    def check_literal(self, url: str) -> None:
        """Refuse a URL by its host alone (no DNS): forbidden IP literals and local names."""
        host = urlsplit(url).hostname or ""
        if not host:
            raise BlockedURLError(url, "no host in URL")
        if self.allow_private:
            return
        ip = parse_ip(host)
        if ip is not None:
            rule = self.rule(ip)
            if rule:
                raise BlockedURLError(url, _message(host, ip, rule))
            return
        name_rule = local_name_rule(host)
        if name_rule:
            raise BlockedURLError(
                url, f"refused by the SSRF guard: {host} is a {name_rule}; {SETTING_HINT}"
            )

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for host:port, resolved once; BlockedURLError if the
        name or any of its addresses is forbidden (one bad answer poisons the name)."""
        url = f"{host}:{port}"
        self.check_literal(f"http://{_bracket(host)}:{port}/")
        ip = parse_ip(host)
        if ip is not None:
            return [ip]
        try:
            found = await self.resolver(host, port)
        except (OSError, UnicodeError) as e:
            raise FetchError(url, f"cannot resolve host {host}: {e}") from e
        if not found:
            raise FetchError(url, f"cannot resolve host {host}: no addresses")
        if not self.allow_private:
            for addr in found:
                rule = self.rule(addr)
                if rule:
                    raise BlockedURLError(url, _message(host, addr, rule))
        return found

    async def check_url(self, url: str) -> None:
        """Both steps for a URL: what `everyside feeds add` calls before it fetches."""
        self.check_literal(url)
        if self.allow_private:
            return
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            await self.addresses(parts.hostname or "", port)
        except FetchError as e:  # named host:port by `addresses`: name the URL instead
            raise type(e)(url, e.message) from None


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _message(host: str, ip: IPAddress, rule: str) -> str:
    via = "" if parse_ip(host) is not None else f" (resolves to {ip})"
    return f"refused by the SSRF guard: {host}{via} is a {rule} address; {SETTING_HINT}"


async def check_url(url: str, allow_private: bool, resolver: Resolver | None = None) -> None:
    """Raise BlockedURLError unless `url` may be fetched (every address of its host public)."""
    await Guard(allow_private, resolver).check_url(url)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the guard at the one place a socket is opened: the
    name is resolved once, every address checked, and the connection made to an address from
    that answer. TLS is started by httpcore afterwards with the URL's name as SNI."""

    def __init__(self, guard: Guard):
        from httpcore._backends.auto import AutoBackend

        self.guard = guard
        self.inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.guard.allow_private:
            return _Stream.of(
                await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
            )
        last: Exception | None = None
        for ip in await self.guard.addresses(host, port):
            try:
                return _Stream.of(
                    await self.inner.connect_tcp(
                        str(ip), port, timeout, local_address, socket_options
                    )
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e  # the next address of the same answer, as a browser would
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """A connection as httpcore's backend made it, with a cheaper "is the idle connection
    still open?" check: httpcore asks it of every idle connection of the pool at every
    request, and anyio answers by building a dict of the socket's attributes (with a
    getpeername call) each time; here the socket is looked up once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: Any):
        self.inner = inner
        self.sock = sock

    @classmethod
    def of(cls, inner: httpcore.AsyncNetworkStream) -> _Stream:
        return cls(inner, inner.get_extra_info("socket"))

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        inner = await self.inner.start_tls(ssl_context, server_hostname, timeout)
        return _Stream(inner, self.sock)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self.sock is not None:
            return is_socket_readable(self.sock)
        if info == "socket" and self.sock is not None:
            return self.sock
        return self.inner.get_extra_info(info)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose sockets come from `GuardedBackend`.

    httpx has no parameter for the network backend, so the pool it builds is replaced by an
    equivalent one (same TLS context and limits) that uses ours."""

    def __init__(
        self, guard: Guard, limits: httpx.Limits, verify: Any = True, **kwargs: Any
    ) -> None:
        super().__init__(verify=verify, limits=limits, **kwargs)
        old = self._pool
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=old._ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(guard),
        )
