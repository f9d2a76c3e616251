"""Decompression bombs for the tests, streamed: a few kilobytes of blocks are built once and
the HTTP handler repeats them, so a 10 GiB bomb never exists in memory on either side.

The repetition trick: after a full flush, deflate starts afresh (no back-references across the
flush), so compressing the same 1 MiB again yields the same bytes; brotli's output after a flush
becomes identical once its window is full of zeros. The resulting streams decode, block after
block, to zeros, and end with correct trailers (CRC-32 / Adler-32 of the whole).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cache

import brotli

MIB = 1 << 20
ZEROS = b"\0" * MIB


@dataclass(frozen=True)
class Bomb:
    coding: str  # the Content-Encoding header
    head: bytes
    block: bytes  # repeated `repeat` times after head
    repeat: int
    tail: bytes
    decoded: int  # bytes it decodes to

    @property
    def size(self) -> int:
        return len(self.head) + len(self.block) * self.repeat + len(self.tail)

    def chunks(self, per_write: int = 64) -> object:
        yield self.head
        run = self.block * per_write
        left = self.repeat
        while left >= per_write:
            yield run
            left -= per_write
        yield self.block * left
        yield self.tail


def _deflate_blocks(wbits: int, data: bytes = ZEROS) -> tuple[bytes, bytes, bytes]:
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
    return head, block, c.flush()


def _trailer(coding: str, end: bytes, mib: int) -> bytes:
    """`end` (the compressor's final bytes) with the trailer of `mib` MiB of zeros."""
    if coding == "gzip":
        crc = 0
        for _ in range(mib):  # ~0.3 s a GiB, once per session (cached)
            crc = zlib.crc32(ZEROS, crc)
        return end[:-8] + struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)
    adler = (((mib * MIB) % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b counts bytes
    return end[:-4] + struct.pack(">I", adler)


@cache
def deflate_bomb(gib: int, coding: str = "gzip") -> Bomb:
    """gzip (or zlib-wrapped deflate) of `gib` GiB of zeros, ~1 KB per MiB."""
    wbits = zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS
    head, block, end = _deflate_blocks(wbits)
    n = gib * 1024
    return Bomb(coding, head, block, n - 1, _trailer(coding, end, n), n * MIB)


@cache
def brotli_bomb(gib: int) -> Bomb:
    """brotli of `gib` GiB of zeros: 13 bytes per MiB, ~130 KB in all."""
    c = brotli.Compressor(quality=5)
    blocks = [c.process(ZEROS) + c.flush() for _ in range(5)]
    assert blocks[3] == blocks[4]
    n = gib * 1024
    return Bomb("br", b"".join(blocks[:3]), blocks[3], n - 3, c.finish(), n * MIB)


@cache
def double_gzip_bomb(gib: int) -> Bomb:
    """`Content-Encoding: gzip, gzip`: a gzip bomb, gzipped again (~20 KB for 10 GiB)."""
    inner = deflate_bomb(gib)
    per = 1024  # inner blocks (1 MiB each decoded) per outer block
    outer_head, outer_block, _ = _deflate_blocks(zlib.MAX_WBITS | 16, inner.block * per)
    groups, rest = divmod(inner.repeat, per)
    c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    head = c.compress(inner.head) + c.flush(zlib.Z_FULL_FLUSH)
    # after a full flush the compressor is in the same state as after `outer_head`'s flush
    assert outer_block == c.compress(inner.block * per) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(inner.block * rest + inner.tail) + c.flush()
    crc = zlib.crc32(inner.head)  # the outer trailer covers the inner stream's bytes
    for _ in range(groups):
        crc = zlib.crc32(inner.block * per, crc)
    crc = zlib.crc32(inner.block * rest + inner.tail, crc)
    tail = tail[:-8] + struct.pack("<II", crc, inner.size & 0xFFFFFFFF)
    del outer_head
    return Bomb("gzip, gzip", head, outer_block, groups, tail, inner.decoded)


def serve(bomb: Bomb, content_type: str = "application/rss+xml"):  # type: ignore[no-untyped-def]
    """A LocalServer handler streaming `bomb` (chunked: no Content-Length to refuse it by)
    until the client hangs up."""

    def handler(h) -> None:  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Encoding", bomb.coding)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for chunk in bomb.chunks():
                if chunk:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client refused the body, as it should

    return handler


# -- XML: entity expansion and regex blow-ups ---------------------------------------------------
PAD = b"<!--" + b" " * 70_000 + b"-->\n"  # past the first 64 KB, where entities used to be sought
ITEM = b"<item><title>%s</title><link>http://example.org/1</link></item>"


def _rss(prolog: bytes, title: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?>\n'
        + prolog
        + b'<rss version="2.0"><channel><title>t</title>'
        + ITEM % title
        + b"</channel></rss>"
    )


def laughs_subset(levels: int = 9) -> bytes:
    """The classic billion laughs internal subset: 10^levels "lol"s."""
    decls = [b'<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        decls.append(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10))
    return b"<!DOCTYPE rss [" + b"".join(decls) + b"]>\n"


def xml_bombs() -> dict[str, bytes]:
    """Hostile feed documents, by name. Each expands to gigabytes in a parser that lets it."""
    laughs = laughs_subset()
    big = b'<!DOCTYPE rss [\n<!ENTITY big "' + b"A" * 100_000 + b'">\n]>\n'
    return {
        # billion laughs after 70 KB of comment
        "padded-laughs": _rss(PAD + laughs, b"&lol9;"),
        # one "safe" (no &) 100 KB entity referenced 10,000 times: 1 GB of title
        "safe-entity": _rss(PAD + big, b"&big;" * 10_000),
        # the same in UTF-16, where a byte search for "<!ENTITY" finds nothing
        "utf16-laughs": _rss(laughs, b"&lol9;")
        .decode()
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>')
        .encode("utf-16"),
        # a sitemap, padded so that nothing recognises it as one before the parser
        "sitemap-laughs": b'<?xml version="1.0"?>\n'
        + PAD
        + laughs.replace(b"rss", b"urlset")
        + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;'
        + b"</loc></url></urlset>",
    }


def regex_bombs() -> dict[str, bytes]:
    """Documents that made the parsers' regexes backtrack for minutes to hours."""
    return {
        # feedparser's DOCTYPE regexes are quadratic in blank lines before the root
        "blank-prolog": _rss(b"\n" * 1_000_000, b"fine"),
        "doctype-lines": _rss(b"<!DOCTYPE\n" * 50_000, b"fine"),
        # the HTML sniffing regex was exponential in comments before a non-HTML byte
        "comments": b"<!---->" * 60 + b"x" + _rss(b"", b"fine"),
    }
