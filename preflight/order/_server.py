"""The loopback server of the seller's pages (start page, end page, report, « Mes commandes »).

It listens on 127.0.0.1 on a port of its own (`preflight.loopback`, the demo shop's stack), so
its origin is none of the order sites: what it serves cannot read or write the order's cookies
or storage. Every answer carries a Content-Security-Policy with a fresh nonce for the one
inline script, `no-store` and `no-referrer`.

Before any route, `Guard` (issue #25) lets through only what comes from the seller's own
pages:

* `Host` must be 127.0.0.1 or localhost with this server's port — a page on another name that
  resolves to 127.0.0.1 (DNS rebinding) gets a bare 421;
* every request carries the run's key, a random secret: a page is opened with it in its URL
  (`opening_url`), which is answered by a redirect to the same path without it and a cookie
  that holds it (HttpOnly, SameSite=Strict, Path=/), so the key is in no history entry or
  address bar; without it, a bare 403 — another local user's curl reads nothing;
* a POST must come from this server's own `Origin`, with a `Content-Length` of at most 64 KB
  (missing: 411; not a number: 400; more: 413), and its body must arrive within
  `read_timeout` seconds (408): no request holds the server.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from preflight.loopback import Loopback

MAX_BODY = 65_536  # a link and the checklist's answers: anything larger is not ours
READ_TIMEOUT_S = 5.0
_KEY = "k"  # the opening URL's query parameter


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
    """Serves `get` and `post` routes on 127.0.0.1:<free port>, behind `Guard`."""

    def __init__(self) -> None:
        self.get: dict[str, GetHandler] = {}
        self.post: dict[str, PostHandler] = {}
        self.key = secrets.token_urlsafe(32)
        self.read_timeout = READ_TIMEOUT_S
        self._port: int | None = None
        self._loopback: Loopback | None = None

    @property
    def port(self) -> int:
        assert self._port is not None, "the pages server is not started"
        return self._port

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cookie_name(self) -> str:
        # Cookies do not tell ports apart: the port in the name keeps two runs' keys apart.
        return f"preflight-pages-{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def opening_url(self, path: str) -> str:
        """The URL a page of this server is opened with: the run's key in it, traded at once
        for a cookie and a redirect to `url(path)`."""
        return f"{self.url(path)}?{urlencode({_KEY: self.key})}"

    @property
    def credentials(self) -> dict[str, str]:
        """The headers a client outside the browser (a test) sends: the cookie with the key."""
        return {"Cookie": f"{self.cookie_name}={self.key}"}

    def start(self) -> PagesServer:
        sock = socket.create_server(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        self._loopback = Loopback(Guard(self, _routes(self)), [sock], name="preflight-pages")
        self._loopback.start()
        return self

    def stop(self) -> None:
        if self._loopback is not None:
            self._loopback.stop()
            self._loopback = None

    def __enter__(self) -> PagesServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Guard:
    """The checks of the module docstring, before `app` sees a request (ASGI middleware)."""

    def __init__(self, server: PagesServer, app: Callable[[Scope, Receive, Send], Any]) -> None:
        self.server = server
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off and WebSockets are not served: nothing else comes
        server = self.server
        request = Request(scope)
        hosts = (f"127.0.0.1:{server.port}", f"localhost:{server.port}")
        if request.headers.get("host") not in hosts:
            await _bare(send, 421)
            return
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(_KEY, [""])[0]
        if scope["method"] == "GET" and given:
            if not secrets.compare_digest(given, server.key):
                await _bare(send, 403)
                return
            cookie: SimpleCookie = SimpleCookie()
            cookie[server.cookie_name] = server.key
            morsel = cookie[server.cookie_name]
            morsel["httponly"], morsel["samesite"], morsel["path"] = True, "Strict", "/"
            headers = {"Location": quote(scope["path"]), "Set-Cookie": morsel.OutputString()}
            await _bare(send, 303, headers)
            return
        held = request.cookies.get(server.cookie_name, "")
        if not secrets.compare_digest(held, server.key):
            await _bare(send, 403)
            return
        if scope["method"] == "POST":
            if request.headers.get("origin") != server.origin:
                await _bare(send, 403)
                return
            body = await self._body(request, receive, send)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _body(self, request: Request, receive: Receive, send: Send) -> bytes | None:
        """The whole body, within the bounds; None once refused (or the client went away)."""
        length = request.headers.get("content-length")
        if length is None:
            await _bare(send, 411)
            return None
        if not (length.isascii() and length.isdigit()):  # the HTTP parser refuses most first
            await _bare(send, 400)
            return None
        if int(length) > MAX_BODY:
            await _bare(send, 413)
            return None
        body = b""
        with anyio.move_on_after(self.server.read_timeout) as waited:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        if waited.cancelled_caught:
            await _bare(send, 408, {"Connection": "close"})
            return None
        return body


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body read by the guard, then the client's own."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


async def _bare(send: Send, status: int, headers: dict[str, str] | None = None) -> None:
    """A refusal with no body of ours."""
    raw = [(b"content-length", b"0"), (b"cache-control", b"no-store")]
    raw += [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b""})


def _routes(server: PagesServer) -> Callable[[Scope, Receive, Send], Any]:
    """The routes in `server.get` and `server.post`, looked up at each request (the end page
    is added once the report is finished); the handlers run in a worker thread."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        path, nonce = scope["path"], "x"
        if scope["method"] == "GET" and path in server.get:
            nonce = secrets.token_urlsafe(16)
            answer = await run_in_threadpool(server.get[path], nonce)
        elif scope["method"] == "POST" and path in server.post:
            try:
                data = json.loads(await request.body() or b"null")
            except ValueError:
                answer = json_answer({"error": "bad request"}, 400)
            else:
                answer = await run_in_threadpool(server.post[path], data)
        else:
            answer = Answer(404, b"not found", "text/plain; charset=utf-8")
        await _response(answer, nonce)(scope, receive, send)

    return app


def _response(answer: Answer, nonce: str) -> Response:
    headers = {
        "Content-Security-Policy": csp(nonce),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        **answer.headers,
    }
    return Response(answer.body, answer.status, headers, media_type=answer.content_type)
