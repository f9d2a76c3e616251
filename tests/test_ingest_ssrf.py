"""The SSRF guard: on by default, every forbidden address class refused, redirects checked;
local-only names refused with no DNS query; one resolution per connection, connected to the
address it returned (no rebinding window), TLS still verified against the URL's name."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import pytest
from typer.testing import CliRunner

from everyside.bench.localserver import LocalServer, Routes
from everyside.cli import app
from everyside.errors import BlockedURLError
from everyside.ingest.fetch import Fetcher
from everyside.ingest.ssrf import Guard, check_url, parse_ip, refusal_rule
from everyside.settings import load_settings

REFUSED = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.8.9.10:8080/feed", "loopback"),
    ("http://2130706433/", "loopback"),  # decimal spelling of 127.0.0.1
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://0x7f.0.0.1/", "loopback"),  # hex
    ("http://127.1/", "loopback"),  # short form
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:10.1.2.3]/", "private"),
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),  # NAT64 of 169.254.169.254
    ("http://[2002:a00:1::]/", "private"),  # 6to4 of 10.0.0.1
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://[fec0::1]/", "site-local"),  # deprecated site-local IPv6, fec0::/10
    ("http://[feff:ffff::1]/", "site-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://100.64.0.1/", "shared (CGNAT)"),
    ("http://240.0.0.1/", "reserved"),
    ("http://192.0.2.1/", "private"),  # TEST-NET-1 (documentation)
    ("http://localhost:8000/", "loopback"),
    ("http://foo.localhost/", "loopback"),
]


@pytest.mark.parametrize(("url", "rule"), REFUSED)
def test_refused_by_default(url: str, rule: str) -> None:
    with pytest.raises(BlockedURLError) as e:
        asyncio.run(check_url(url, allow_private=False))
    msg = str(e.value)
    assert rule in msg and "allow_private_addresses" in msg
    assert "EVERYSIDE_ALLOW_PRIVATE_ADDRESSES=1" in msg


@pytest.mark.parametrize("ip", ["93.184.216.34", "151.101.1.140", "2606:4700::1111"])
def test_public_addresses_pass(ip: str) -> None:
    assert refusal_rule(ipaddress.ip_address(ip)) is None
    host = f"[{ip}]" if ":" in ip else ip
    asyncio.run(check_url(f"https://{host}/feed", allow_private=False))


@pytest.mark.parametrize(
    ("host", "ip"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("0x0a.0.0.1", "10.0.0.1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
    ],
)
def test_parse_ip_spellings(host: str, ip: str | None) -> None:
    got = parse_ip(host)
    assert (str(got) if got else None) == ip


def test_dns_name_resolving_to_private_is_refused() -> None:
    async def fake_dns(host: str, port: int) -> list:
        return {
            "evil.example": [
                ipaddress.ip_address("93.184.216.34"),
                ipaddress.ip_address("10.0.0.7"),
            ]
        }[host]

    with pytest.raises(BlockedURLError, match=r"evil.example \(resolves to 10.0.0.7\)"):
        asyncio.run(check_url("http://evil.example/rss", False, resolver=fake_dns))


def test_off_switch_allows_everything() -> None:
    asyncio.run(check_url("http://127.0.0.1/", allow_private=True))
    s = load_settings(env={"EVERYSIDE_ALLOW_PRIVATE_ADDRESSES": "1"})
    assert s.allow_private_addresses is True


def test_guard_is_on_by_default() -> None:
    assert load_settings(env={}).allow_private_addresses is False
    with LocalServer(Routes()) as srv:

        async def go() -> None:
            async with Fetcher(load_settings(env={})) as f:
                await f.get(srv.url("/feed.xml"))

        with pytest.raises(BlockedURLError, match="loopback"):
            asyncio.run(go())
        assert srv.routes.hits == {}  # refused before any connection


def test_redirect_to_private_address_is_refused() -> None:
    routes = Routes()

    def redirect(h) -> None:  # type: ignore[no-untyped-def]
        h.send_plain(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})

    routes["/start"] = redirect
    with LocalServer(routes) as srv:
        start = srv.url("/start")

        guard = Guard(False, rule=loopback_is_public)  # the test server itself is allowed

        async def go() -> None:
            async with Fetcher(load_settings(env={}), guard=guard) as f:
                await f.get(start)

        with pytest.raises(BlockedURLError, match="169.254.169.254 is a link-local"):
            asyncio.run(go())


def loopback_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The guard's rule, except that the test server's 127.0.0.1 counts as a public address."""
    return None if str(ip) == "127.0.0.1" else refusal_rule(ip)


def test_cli_feeds_add_refused_exits_nonzero(tmp_path: Path) -> None:
    from everyside.cli.common import run_app

    args = ["--data-dir", str(tmp_path), "feeds", "add", "http://[::ffff:127.0.0.1]:9/feed"]
    runner = CliRunner()
    result = runner.invoke(app, args, standalone_mode=False, catch_exceptions=True)
    assert isinstance(result.exception, BlockedURLError)
    assert "allow_private_addresses" in str(result.exception)
    import sys

    old = sys.argv
    sys.argv = ["everyside", *args]
    try:
        assert run_app(app) == 1
    finally:
        sys.argv = old
