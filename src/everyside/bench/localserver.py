"""A tiny HTTP/1.1 server on 127.0.0.1 for tests and `everyside bench ingest`: serves a table
of routes (static documents with ETag/Last-Modified and gzip, or handler functions for
misbehaving servers). Not for production use.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Doc:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # send an ETag and answer If-None-Match with 304


Handler = Callable[[BaseHTTPRequestHandler], None]


class Routes:
    def __init__(self) -> None:
        self.docs: dict[str, Doc | Handler] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def __setitem__(self, path: str, doc: Doc | Handler) -> None:
        self.docs[path] = doc

    def hit(self, path: str) -> None:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: Routes

    def log_message(self, format: str, *args: object) -> None:  # silence the access log
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        self.routes.hit(path)
        doc = self.routes.docs.get(path) or self.routes.docs.get(path.split("?")[0])
        if doc is None:
            self.send_plain(404, b"not found")
        elif callable(doc):
            doc(self)
        else:
            self.send_doc(doc)

    def send_plain(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in {"Content-Type": "text/plain", **(headers or {})}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_doc(self, doc: Doc) -> None:
        tag = _etag(doc.body) if doc.etag else None
        if tag and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = doc.body
        gz = "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 1024
        if gz:
            body = gzip.compress(body, compresslevel=1)
        self.send_response(doc.status)
        self.send_header("Content-Type", doc.content_type)
        if tag:
            self.send_header("ETag", tag)
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in doc.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients hanging up is normal
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LocalServer:
    """`with LocalServer(routes) as srv: srv.url("/feed.xml")`."""

    def __init__(self, routes: Routes, port: int = 0, host: str = "127.0.0.1"):
        handler = type("Handler", (_Handler,), {"routes": routes})
        self.httpd = _Server((host, port), handler)
        self.routes = routes
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
