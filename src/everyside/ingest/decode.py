"""Bounded decoding of HTTP content codings (gzip, deflate, br, and stacks such as `gzip, gzip`).

httpx decodes a whole network chunk at once, so one 64 KB chunk of brotli (or of gzip inside
gzip) becomes gigabytes before any size check can run. Here the fetcher reads the raw bytes and
each layer decodes at most `STEP` bytes per call (zlib's `max_length`, brotli's
`output_buffer_limit`), lazily, layer by layer, while a running count refuses the body as soon
as it passes the decoded-size cap or the compression-ratio cap. Memory stays around the cap plus
a few `STEP`s, whatever the attacker sends.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli

STEP = 65536  # most bytes one layer hands on per call
SLICE = 8192  # raw bytes fed at a time, so the ratio is judged on what was actually consumed
MAX_LAYERS = 3  # `gzip, gzip` is legal; five layers is only ever an attack
RATIO_GRACE = 1 << 20  # the ratio is judged once this many bytes are decoded
ALIASES = {"x-gzip": "gzip", "x-deflate": "deflate"}
GZIP_MAGIC = b"\x1f\x8b"


class DecodeRefused(Exception):
    """The body is refused; `str()` says why (the fetcher adds the URL)."""


class Layer(Protocol):
    def push(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class ZlibLayer:
    """gzip (every member of a multi-member body) or deflate (zlib-wrapped, or raw as some
    servers send it)."""

    def __init__(self, coding: str):
        self.coding = coding
        self.gzip = coding == "gzip"
        self.d = zlib.decompressobj(zlib.MAX_WBITS | 16 if self.gzip else zlib.MAX_WBITS)
        self.started = False
        self.after_end = b""  # bytes after a gzip member, until we know if a member follows

    def push(self, data: bytes) -> Iterator[bytes]:
        data, self.after_end = self.after_end + data, b""
        while data:
            if self.d.eof:
                if len(data) < len(GZIP_MAGIC) and self.gzip:
                    self.after_end = data
                    return
                if not (self.gzip and data.startswith(GZIP_MAGIC)):
                    return  # trailing bytes after the stream: ignored, as browsers do
                self.d = zlib.decompressobj(zlib.MAX_WBITS | 16)
            data = yield from self._inflate(data)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        """Inflate `data` in STEP-sized outputs; return what follows the stream's end."""
        out = self._first(data)
        while True:
            if out:
                yield out
            if self.d.eof:
                return self.d.unused_data
            tail = self.d.unconsumed_tail
            if not tail and len(out) < STEP:
                return b""
            out = self._decompress(tail)

    def _first(self, data: bytes) -> bytes:
        if self.started or self.gzip:
            return self._decompress(data)
        self.started = True
        try:
            return self.d.decompress(data, STEP)
        except zlib.error:
            self.d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
            return self._decompress(data)

    def _decompress(self, data: bytes) -> bytes:
        try:
            return self.d.decompress(data, STEP)
        except zlib.error as e:
            raise DecodeRefused(f"body cannot be decompressed ({self.coding}): {e}") from e

    def finish(self) -> Iterator[bytes]:
        out = self.d.flush()
        if out:
            yield out


class BrotliLayer:
    def __init__(self) -> None:
        self.d = brotli.Decompressor()

    def push(self, data: bytes) -> Iterator[bytes]:
        try:
            yield self.d.process(data, output_buffer_limit=STEP)
            while not self.d.can_accept_more_data():
                yield self.d.process(b"", output_buffer_limit=STEP)
        except brotli.error as e:
            raise DecodeRefused(f"body cannot be decompressed (br): {e}") from e

    def finish(self) -> Iterator[bytes]:
        return iter(())


def layers_for(content_encoding: str) -> list[tuple[str, Layer]]:
    """The decoding layers for a Content-Encoding header, outermost coding first."""
    codings = [ALIASES.get(c, c) for c in _codings(content_encoding)]
    if len(codings) > MAX_LAYERS:
        raise DecodeRefused(
            f"Content-Encoding {content_encoding!r} stacks {len(codings)} codings "
            f"(at most {MAX_LAYERS} accepted)"
        )
    out: list[tuple[str, Layer]] = []
    for c in reversed(codings):  # the last coding applied is undone first
        if c in ("gzip", "deflate"):
            out.append((c, ZlibLayer(c)))
        elif c == "br":
            out.append((c, BrotliLayer()))
        else:
            raise DecodeRefused(f"unsupported Content-Encoding {c!r} (not requested)")
    return out


def _codings(header: str) -> list[str]:
    codings = (c.strip().lower() for c in header.split(","))
    return [c for c in codings if c not in ("", "identity")]


class BoundedDecoder:
    """Decode a body chunk by chunk; `feed(raw)` yields decoded pieces and raises
    DecodeRefused once the decoded size passes `cap` or decoded/raw passes `max_ratio`."""

    def __init__(self, content_encoding: str, cap: int, max_ratio: float):
        self.header = content_encoding.strip() or "identity"
        self.layers = layers_for(content_encoding)
        self.cap = cap
        self.max_ratio = max_ratio
        self.raw = 0
        self.decoded = 0

    def feed(self, raw: bytes) -> Iterator[bytes]:
        if not self.layers:
            yield from self._count(self._through(0, raw))
            return
        for i in range(0, len(raw), SLICE):
            piece = raw[i : i + SLICE]
            self.raw += len(piece)
            if self.raw > self.cap:  # e.g. endless brotli metadata blocks that decode to nothing
                raise DecodeRefused(f"more than max_response_bytes={self.cap} bytes on the wire")
            yield from self._count(self._through(0, piece))

    def finish(self) -> Iterator[bytes]:
        for i, (_, layer) in enumerate(self.layers):
            for piece in layer.finish():
                yield from self._count(self._through(i + 1, piece))

    def _through(self, i: int, data: bytes) -> Iterator[bytes]:
        if i == len(self.layers):
            if data:
                yield data
            return
        for piece in self.layers[i][1].push(data):
            yield from self._through(i + 1, piece)

    def _count(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            self.decoded += len(piece)
            if self.decoded > self.cap:
                raise DecodeRefused(
                    f"body larger than max_response_bytes={self.cap} after decompression "
                    f"(Content-Encoding: {self.header}); refused"
                )
            if (
                self.layers
                and self.decoded > RATIO_GRACE
                and self.decoded > self.max_ratio * self.raw
            ):
                raise DecodeRefused(
                    f"decompression bomb refused: more than {self.max_ratio:g}x expansion "
                    f"(max_compression_ratio={self.max_ratio:g}; {self.raw} bytes became "
                    f"{self.decoded}+, Content-Encoding: {self.header})"
                )
            yield piece


def decode_all(content_encoding: str, body: bytes, cap: int, max_ratio: float) -> bytes:
    """The whole decoded body of `body` (for tests and small documents)."""
    d = BoundedDecoder(content_encoding, cap, max_ratio)
    return b"".join([*d.feed(body), *d.finish()])
