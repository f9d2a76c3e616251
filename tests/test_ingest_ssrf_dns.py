"""The SSRF guard and DNS: names refused by pattern never reach a resolver; a name is resolved
once per connection and the socket goes to that answer (a rebinding resolver's second answer is
never asked for); TLS still verifies the certificate and sends SNI and Host for the name.

The resolver is a recording fake (no test can change the machine's DNS); everything else is
real: the fetcher, httpx/httpcore with the guarded network backend, local HTTP(S) servers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from everyside.bench.localserver import LocalServer, Routes
from everyside.errors import BlockedURLError
from everyside.ingest.fetch import Fetcher
from everyside.ingest.ssrf import Guard, GuardedTransport, IPAddress, check_url, refusal_rule
from everyside.settings import load_settings

SETTINGS = load_settings(env={}).replace(politeness_delay=0.0)
LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)
LOCAL_NAMES = [
    "http://localhost./",  # trailing dot
    "http://LOCALHOST:8080/",
    "http://a.b.localhost./x",
    "http://ip6-localhost/",
    "http://metadata/computeMetadata/v1/",  # single label: the resolver's search domain
    "http://intranet/feed",
    "http://metadata.google.internal/",
    "http://printer.local/",
    "http://router.home.arpa/",
    "http://nas.lan/",
    "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/",
    "http://db.localdomain/",
]


class RecordingDNS:
    """A resolver that answers from a table, one answer per call in turn, and records calls."""

    def __init__(self, answers: dict[str, list[list[str]]]):
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append(host)
        turns = self.answers[host]
        answer = turns[min(len(self.calls) - 1, len(turns) - 1)]
        return [ipaddress.ip_address(a) for a in answer]


def loopback_is_public(ip: IPAddress) -> str | None:
    """The guard's rule, except that 127.0.0.1 (the test servers) counts as public."""
    return None if str(ip) == "127.0.0.1" else refusal_rule(ip)


@pytest.mark.parametrize("url", LOCAL_NAMES)
def test_local_names_are_refused_without_a_dns_query(url: str) -> None:
    dns = RecordingDNS({})
    with pytest.raises(BlockedURLError, match="allow_private_addresses"):
        asyncio.run(check_url(url, False, resolver=dns))
    assert dns.calls == []


def test_the_fetcher_refuses_local_names_without_a_dns_query() -> None:
    dns = RecordingDNS({})

    async def go() -> None:
        async with Fetcher(SETTINGS, guard=Guard(False, resolver=dns)) as f:
            for url in LOCAL_NAMES:
                with pytest.raises(BlockedURLError):
                    await f.get(url)

    asyncio.run(go())
    assert dns.calls == []


def test_public_names_are_resolved() -> None:
    dns = RecordingDNS({"news.example.org": [["93.184.216.34"]]})
    asyncio.run(check_url("https://news.example.org/rss", False, resolver=dns))
    assert dns.calls == ["news.example.org"]


def _echo_host(h) -> None:  # type: ignore[no-untyped-def]
    h.send_plain(200, f"host={h.headers.get('Host')}".encode(), {"Content-Type": "text/plain"})


def test_one_lookup_and_the_connection_goes_to_its_answer() -> None:
    """A rebinding resolver answers the test server first, then a private address: the fetcher
    must connect to the address of the first answer and never ask a second time."""
    routes = Routes()
    routes["/feed.xml"] = _echo_host
    with LocalServer(routes) as srv:
        port = srv.httpd.server_address[1]
        dns = RecordingDNS({"rebind.example": [["127.0.0.1"], ["10.0.0.9"]]})
        guard = Guard(False, resolver=dns, rule=loopback_is_public)

        async def go() -> list[bytes]:
            async with Fetcher(SETTINGS, guard=guard) as f:
                return [(await f.get(f"http://rebind.example:{port}/feed.xml")).body]

        assert asyncio.run(go()) == [f"host=rebind.example:{port}".encode()]
        assert dns.calls == ["rebind.example"]
        assert routes.hits == {"/feed.xml": 1}


def test_a_name_with_one_private_address_is_refused_at_connect() -> None:
    routes = Routes()
    routes["/feed.xml"] = _echo_host
    with LocalServer(routes) as srv:
        port = srv.httpd.server_address[1]
        dns = RecordingDNS({"mixed.example": [["127.0.0.1", "fec0::7"]]})
        guard = Guard(False, resolver=dns, rule=loopback_is_public)

        async def go() -> None:
            async with Fetcher(SETTINGS, guard=guard) as f:
                await f.get(f"http://mixed.example:{port}/feed.xml")

        with pytest.raises(BlockedURLError) as e:
            asyncio.run(go())
        msg = str(e.value)
        assert msg.startswith(f"fetch http://mixed.example:{port}/feed.xml: ")
        assert "mixed.example (resolves to fec0::7) is a site-local address" in msg
        assert routes.hits == {} and dns.calls == ["mixed.example"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=secure.example"]
        + ["-addext", "subjectAltName=DNS:secure.example"],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_keeps_sni_host_and_certificate_checks(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    seen_sni: list[str | None] = []
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server_ctx.sni_callback = lambda sock, name, ctx: seen_sni.append(name)  # type: ignore[assignment,misc,func-returns-value]
    routes = Routes()
    routes["/feed.xml"] = _echo_host
    with LocalServer(routes) as srv:
        srv.httpd.socket = server_ctx.wrap_socket(srv.httpd.socket, server_side=True)
        port = srv.httpd.server_address[1]
        dns = RecordingDNS({"secure.example": [["127.0.0.1"]], "other.example": [["127.0.0.1"]]})
        guard = Guard(False, resolver=dns, rule=loopback_is_public)
        client_ctx = ssl.create_default_context(cafile=str(cert))

        async def get(url: str) -> bytes:
            transport = GuardedTransport(guard, LIMITS, verify=client_ctx)
            async with Fetcher(SETTINGS, transport=transport, guard=guard) as f:
                return (await f.get(url)).body

        body = asyncio.run(get(f"https://secure.example:{port}/feed.xml"))
        assert body == f"host=secure.example:{port}".encode()
        assert seen_sni == ["secure.example"]
        # the same address under a name the certificate does not cover: refused by TLS
        with pytest.raises(Exception, match="certificate|CERTIFICATE|hostname"):
            asyncio.run(get(f"https://other.example:{port}/feed.xml"))
