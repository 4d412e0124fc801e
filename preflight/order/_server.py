"""The loopback server of the seller's pages (start page, end page, report).

It listens on 127.0.0.1 on a port of its own, so its origin is none of the order sites: what
it serves cannot read or write the order's cookies or storage, and it sets none itself (no
`Set-Cookie`, no storage in its scripts). Every answer carries a Content-Security-Policy with
a fresh nonce for the one inline script, `no-store` and `no-referrer`; a POST is answered only
when its `Origin` is this server's own, so no other page in the browser can drive it.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from loguru import logger

_MAX_BODY = 16_384  # a link and four answers: anything larger is not ours


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    # A page answer gets a script nonce; the handler's page builder puts it in the markup.
    headers: dict[str, str] = field(default_factory=dict)


# GET handlers receive the nonce for this answer; POST handlers receive the JSON body.
GetHandler = Callable[[str], Answer]
PostHandler = Callable[[Any], Answer]


def json_answer(data: object, status: int = 200) -> Answer:
    return Answer(status, json.dumps(data).encode(), "application/json")


def csp(nonce: str) -> str:
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; "
        "img-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


class PagesServer:
    """Serves `get` and `post` routes on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self) -> None:
        self.get: dict[str, GetHandler] = {}
        self.post: dict[str, PostHandler] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        assert self._httpd is not None, "the pages server is not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path

    def start(self) -> PagesServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                logger.trace("pages: " + format, *args)

            def do_GET(self) -> None:
                route = server.get.get(self.path.split("?", 1)[0])
                if route is None:
                    self._send(Answer(404, b"not found", "text/plain; charset=utf-8"), "x")
                    return
                nonce = secrets.token_urlsafe(16)
                self._send(route(nonce), nonce)

            def do_POST(self) -> None:
                route = server.post.get(self.path)
                if route is None or self.headers.get("Origin") != server.origin:
                    self._send(Answer(403, b"forbidden", "text/plain; charset=utf-8"), "x")
                    return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length > _MAX_BODY:
                        raise ValueError("too large")
                    data = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    self._send(json_answer({"error": "bad request"}, 400), "x")
                    return
                self._send(route(data), "x")

            def _send(self, answer: Answer, nonce: str) -> None:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                if "Content-Security-Policy" not in answer.headers:
                    self.send_header("Content-Security-Policy", csp(nonce))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Cross-Origin-Resource-Policy", "same-origin")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="preflight-pages", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> PagesServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
