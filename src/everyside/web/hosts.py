"""Which host the app is, whatever the request says.

Absolute URLs (Atom feeds, their entries) are built from the configured `base_url`, never from
the request's Host header: a cached feed built for a forged Host would otherwise send every
later reader to the attacker. `base_url` defaults to the bound address (`http://host:port`).
`TrustedHosts` refuses requests whose Host is not in `allowed_hosts` (default: the base URL's
host, plus the loopback names when the server listens on loopback), with the one error shape.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse

from everyside.errors import ConfigError
from everyside.settings import Settings
from everyside.web.context import error_body

log = logging.getLogger(__name__)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_ADDRESSES = ("", "0.0.0.0", "::")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(settings: Settings) -> str:
    """The absolute URL readers reach this server at, without a trailing slash."""
    configured = str(settings.base_url or "").strip()
    if configured:
        parts = urlsplit(configured)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"setting base_url: {configured!r} is not an absolute http(s) URL "
                "(e.g. https://news.example.org)"
            )
        return configured.rstrip("/")
    host = str(settings.host)
    if host in WILDCARD_ADDRESSES:  # listening everywhere says nothing about the name to use
        host = socket.getfqdn()
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{settings.port}"


def allowed_hosts(settings: Settings) -> list[str]:
    """Host header values the app answers (`*` = any, `*.example.org` = its subdomains)."""
    configured = [h.strip() for h in str(settings.allowed_hosts or "").split(",") if h.strip()]
    if configured:
        return configured
    hosts = [urlsplit(base_url(settings)).hostname or ""]
    if _is_loopback(str(settings.host)) or _is_loopback(hosts[0]):
        hosts += [h for h in LOOPBACK_NAMES if h not in hosts]
    return hosts


def warn_if_guessed(settings: Settings) -> None:
    if not settings.base_url and str(settings.host) in WILDCARD_ADDRESSES:
        log.warning(
            "web: listening on %s without base_url: links use %s and only that Host is "
            "accepted; set base_url (EVERYSIDE_BASE_URL) to the address readers use",
            settings.host,
            base_url(settings),
        )


class TrustedHosts(TrustedHostMiddleware):
    """Starlette's TrustedHostMiddleware (its allow-list and `*` / `*.domain` patterns), with
    two changes: a refused Host gets the app's error shape (Starlette answers bare text/plain),
    and an IPv6 literal Host (`[::1]:8000`) is read correctly (Starlette cuts it at the first
    colon)."""

    def __init__(self, app: Any, allowed: list[str]):
        super().__init__(app, allowed_hosts=allowed, www_redirect=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self.allow_any:
            host = _host_of(scope)
            if not any(_matches(host, pattern) for pattern in self.allowed_hosts):
                message = (
                    f"this server does not answer to the host {host[:100]!r}; "
                    "add it to allowed_hosts (EVERYSIDE_ALLOWED_HOSTS) if it is yours"
                )
                await JSONResponse(error_body(400, message), 400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _host_of(scope: Any) -> str:
    for key, value in scope.get("headers", []):
        if key == b"host":
            host = value.decode("latin-1")
            if host.startswith("["):  # an IPv6 literal: [::1]:8000
                return host[1 : host.find("]")] if "]" in host else host
            return host.split(":")[0]
    return ""


def _matches(host: str, pattern: str) -> bool:
    return host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
