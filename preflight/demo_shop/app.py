"""The demo shop's ASGI application: one server, two sites, chosen by the Host header.

`127.0.0.1` is the ACN shop, `localhost` the SFR order site — two hosts, so that cookies behave
as they do across the real sites. The truth API answers on both.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Host, Route, Router
from starlette.types import Receive, Scope, Send

from preflight.demo_shop import acn, sfr, spa
from preflight.demo_shop.truth import Mode, Truth

ACN_HOST = "127.0.0.1"
SFR_HOST = "localhost"


async def truth_orders(request: Request) -> Response:
    return JSONResponse(sfr.truth_of(request).orders())


async def truth_reset(request: Request) -> Response:
    sfr.truth_of(request).reset()
    return Response(status_code=204)


TRUTH_ROUTES = [
    Route("/__truth/orders", truth_orders),
    Route("/__truth/reset", truth_reset, methods=["POST"]),
]


async def unknown_host(scope: Scope, receive: Receive, send: Send) -> None:
    host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
    response = PlainTextResponse(
        f"Unknown host {host!r}: the demo shop answers as {ACN_HOST} (the ACN shop) and "
        f"{SFR_HOST} (the SFR order site), on the same port.",
        status_code=404,
    )
    await response(scope, receive, send)


def create_app(default_mode: Mode = "mpa") -> Starlette:
    """The shop; `default_mode` is what the ACN links lead to when they do not say."""
    if default_mode not in ("mpa", "spa"):
        raise ValueError(f"default_mode {default_mode!r}: expected 'mpa' or 'spa'")
    app = Starlette(
        routes=[
            Host(ACN_HOST, Router(routes=[*TRUTH_ROUTES, *acn.routes(default_mode)])),
            Host(SFR_HOST, Router(routes=[*TRUTH_ROUTES, *sfr.routes(), *spa.routes()])),
            Host("{other}", unknown_host),
        ]
    )
    app.state.truth = Truth()
    app.state.default_mode = default_mode
    return app
