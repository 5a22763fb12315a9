"""A real HTTP server on 127.0.0.1 for fetching tests: routes the test sets, requests it records.

    with Site() as site:
        site.route("/feed.xml", body=b"<rss>…", content_type="application/rss+xml", etag='"v1"')
        url = site.url("/feed.xml")

Each route answers with its status, headers and body; `etag`/`last_modified` make it answer 304
to a matching conditional request; `delay` sleeps before answering; `statuses` gives a sequence
of statuses for successive requests (e.g. 429, 429, 200); `chunked` sends the body with
Transfer-Encoding: chunked and no Content-Length. `site.requests` lists (method, path, headers) of
every request, so tests can check what a client sent, and `site.request_times` the
`time.monotonic()` at which each arrived (same order).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    statuses: list[int] = field(default_factory=list)  # consumed one per request, then `status`
    chunked: bool = False  # Transfer-Encoding: chunked instead of Content-Length
    hits: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, head_only: bool) -> None:
        site = self.server.site
        path = self.path
        with site.log_lock:  # the two lists stay in step when requests arrive together
            site.request_times.append(time.monotonic())
            site.requests.append((self.command, path, {k.lower(): v for k, v in self.headers.items()}))
        route = site.routes.get(path) or site.routes.get(path.split("?", 1)[0])
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found", head_only)
            return
        route.hits += 1
        if route.delay:
            time.sleep(route.delay)
        status = route.statuses.pop(0) if route.statuses else route.status
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if status == 200 and (
            (route.etag and self.headers.get("If-None-Match") == route.etag)
            or (route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified)
        ):
            self._send(304, {k: v for k, v in headers.items() if k != "Content-Type"}, b"", True)
            return
        self._send(status, headers, route.body, head_only, route.chunked)

    def _send(self, status: int, headers: dict[str, str], body: bytes, head_only: bool, chunked: bool = False) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head_only:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if chunked:
                for start in range(0, len(body), 16_384):
                    piece = body[start : start + 16_384]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            elif body:
                self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(head_only=False)

    def do_HEAD(self) -> None:
        self._answer(head_only=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


class Site:
    """The server; a context manager that starts it on a free port and stops it."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.request_times: list[float] = []
        self.log_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", **options: Any) -> Route:
        content = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(body=content, **options)
        self.routes[path] = route
        return route

    def requested(self, path: str) -> list[dict[str, str]]:
        """Headers of every request for `path` (query string included if the route had one)."""
        return [headers for _, p, headers in self.requests if p == path or p.split("?", 1)[0] == path]

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
