"""URL canonicalisation: the key an article is stored under.

Pure functions driven by the rule tables below (tracking parameters, AMP spellings, host
prefixes), so a new rule is a line of data, covered by the table-driven tests. The canonical
form is: https scheme, lower-case IDNA host without `www.`/`m.`/`amp.` prefixes and default port,
no fragment, no tracking parameters, the remaining query sorted, no AMP variant, no trailing
slash (except the root). It is a *key*, not necessarily a URL that serves the page: the URL as
found is kept next to it.

`registered_domain` uses tldextract's bundled public-suffix snapshot (never the network).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from everyside.domain.errors import InputError

if TYPE_CHECKING:
    import tldextract

# Query parameters that only track the reader. Exact names (lower-cased) ...
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "_ga", "_gl", "_hsenc", "_hsmi", "at_campaign", "at_medium", "cmpid", "dclid",
        "fbclid", "ftag", "gclid", "gclsrc", "guccounter", "icid", "igshid", "itm_campaign",
        "mbid", "mc_cid", "mc_eid", "mkt_tok", "msclkid", "ns_campaign", "ns_mchannel",
        "ns_source", "ocid", "rss", "smid", "soc_src", "soc_trk", "sr_share",
        "taid", "twclid", "wt.mc_id", "xtor", "yclid", "ito", "ref", "ref_src",
        "feedtype", "feedname", "cmp", "intcmp", "outputtype", "amp", "s_cid", "at_link",
        "at_ptr_name", "at_link_id", "at_link_type", "at_format", "at_bbc_team", "traffic_source",
    }
)  # fmt: skip
# ... and name prefixes.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hmb_", "__twitter", "at_custom")
# Host prefixes that name the same site (mobile / AMP / www mirrors).
HOST_PREFIXES: tuple[str, ...] = ("www.", "www1.", "www2.", "m.", "mobile.", "amp.")
# Path spellings of AMP variants, each replaced by the plain article path.
AMP_PATH_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/amp/?$"), ""),  # /story/amp, /story/amp/
    (re.compile(r"^/amp(/.+)$"), r"\1"),  # /amp/story
    (re.compile(r"\.amp(\.html?)?$"), r"\1"),  # /story.amp, /story.amp.html
    (re.compile(r"/amp(\.html?)$"), r"\1"),  # rare: /story/amp.html
)
# Google AMP cache: https://www-bbc-com.cdn.ampproject.org/c/s/www.bbc.com/news/x
AMP_CACHE = re.compile(r"^/[a-z]/(s/)?(?P<rest>.+)$")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 4096


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """tldextract loads on first use (about 0.1 s of imports the command line need not pay)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _clean_host(host: str) -> str:
    host = host.strip(".").lower()
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as e:
        raise InputError(f"URL host {host!r} is not a valid domain name") from e
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def _clean_path(path: str) -> str:
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~%")
    path = re.sub(r"/{2,}", "/", path)
    for pattern, repl in AMP_PATH_RULES:
        path = pattern.sub(repl, path)
    if len(path) > 1:
        path = path.rstrip("/")
    return path or "/"


def _clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
    return urlencode(sorted(pairs), doseq=True)


def _unwrap_amp_cache(host: str, path: str) -> str | None:
    if not host.endswith(".cdn.ampproject.org"):
        return None
    m = AMP_CACHE.match(path)
    return ("https://" + m.group("rest")) if m else None


_ESCAPED = re.compile(r"\\+([?&=#/:;+~%])")
_ENTITY = re.compile(r"&(amp|#0*38|#x0*26);", re.I)


def unescape_url(url: str) -> str:
    """A URL as a file or feed meant it: no backslash before URL punctuation (`story\\?p=1`,
    as some scrapes escape it for a shell) and no HTML entity for `&` (`?a=1&amp;b=2`)."""
    url = url.strip()
    url = _ESCAPED.sub(r"\1", url)
    return _ENTITY.sub("&", url)


def canonicalize_url(url: str) -> str:
    """The canonical key of `url`; raises InputError for anything that is not an http(s) URL."""
    if not isinstance(url, str) or not url.strip():
        raise InputError("empty URL")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InputError(f"URL longer than {MAX_URL_LENGTH} characters")
    if "://" not in url and re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", url, re.I):
        url = "https://" + url  # a bare "bbc.co.uk/news/x"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InputError(f"URL {url!r} cannot be parsed: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InputError(f"URL {url!r} is not http(s)")
    if not parts.hostname or re.search(r"[\s<>\"{}|\\^`]", parts.hostname):
        raise InputError(f"URL {url!r} has no valid host")
    inner = _unwrap_amp_cache(parts.hostname.lower(), parts.path)
    if inner is not None:
        return canonicalize_url(inner)
    host = _clean_host(parts.hostname)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit(("https", netloc, _clean_path(parts.path), _clean_query(parts.query), ""))


def choose_canonical(found_url: str, rel_canonical: str | None) -> str:
    """Key for a page: its rel=canonical when that names the same outlet, else the found URL.

    A canonical link to another registered domain is ignored: syndicated copies point at the
    original, and following it would merge two outlets' articles under one key.
    """
    own = canonicalize_url(found_url)
    if not rel_canonical:
        return own
    try:
        other = canonicalize_url(rel_canonical)
    except InputError:
        return own
    if registered_domain(other) != registered_domain(own):
        return own
    return other


@lru_cache(maxsize=65536)
def registered_domain(url_or_host: str) -> str:
    """The registered domain (`news.bbc.co.uk` -> `bbc.co.uk`); an IP or bare host as is."""
    text = url_or_host.strip()
    host = urlsplit(text).hostname if "://" in text else text.split("/")[0].split(":")[0]
    if not host:
        raise InputError(f"{url_or_host!r} has no host")
    host = host.lower().strip(".")
    ext = _extractor()(host)
    return str(ext.top_domain_under_public_suffix or host)


@lru_cache(maxsize=65536)
def name_and_suffix(host: str) -> tuple[str, str]:
    """The label under the public suffix and the suffix: `www.kare11.com` -> (kare11, com),
    `alquds.co.uk` -> (alquds, co.uk); a host with no known suffix gives its last label."""
    ext = _extractor()(host.lower().strip("."))
    return ext.domain, ext.suffix


def article_key(url: str | None, external_id: str | None) -> str:
    """The key an article is stored under: its canonical URL, else `urn:everyside:import:<id>`
    (rows of a file without URLs); InputError when it has neither."""
    if url:
        try:
            return canonicalize_url(url.replace("\\", ""))
        except InputError as e:
            raise InputError(f"bad url {url!r}: {e}") from e
    if external_id:
        return f"urn:everyside:import:{external_id}"
    raise InputError("article has neither url nor id")
