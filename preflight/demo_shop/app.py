"""The demo shop's ASGI application: one server, two sites, chosen by the Host header.

`127.0.0.1` is the ACN shop, `localhost` the SFR order site — two hosts, so that cookies behave
as they do across the real sites. The truth API answers on both — to the tests, never to a
page of another origin: a `fetch(…/__truth/reset, {method: "POST", mode: "no-cors"})` from any
page emptied the oracle of every test (issue 13). A request a browser marks as coming from
another site (`Sec-Fetch-Site`, `Origin`) is refused, and a reset needs the shop's own token
(`DemoShop.truth_headers`), which no page knows.
"""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Host, Route, Router
from starlette.types import Receive, Scope, Send

from preflight.demo_shop import acn, sfr, spa, widgets
from preflight.demo_shop.truth import Mode, Truth

ACN_HOST = "127.0.0.1"
SFR_HOST = "localhost"


TOKEN_HEADER = "x-preflight-truth-token"


def _foreign(request: Request) -> str | None:
    """Why a request comes from another origin's page, or None. Browsers send `Sec-Fetch-Site`
    (Chromium 76+, Firefox 90+) and `Origin` on every cross-origin request, `no-cors` and form
    posts included; a test's HTTP client or an address typed by hand sends neither, or `none`."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site: {site}"
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        return f"Origin: {origin}"
    return None


def _refusal(why: str) -> Response:
    return PlainTextResponse(
        f"refused ({why}): the truth API answers the tests, not another origin's page",
        status_code=403,
    )


async def truth_orders(request: Request) -> Response:
    why = _foreign(request)
    if why is not None:
        return _refusal(why)
    return JSONResponse(sfr.truth_of(request).orders())


async def truth_reset(request: Request) -> Response:
    why = _foreign(request)
    token = request.headers.get(TOKEN_HEADER, "")
    if why is None and not secrets.compare_digest(
        token.encode("utf-8", "replace"), request.app.state.truth_token.encode()
    ):
        why = f"no valid {TOKEN_HEADER} header"
    if why is not None:
        return _refusal(why)
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
    if default_mode not in ("mpa", "spa", "react"):
        raise ValueError(f"default_mode {default_mode!r}: expected 'mpa', 'spa' or 'react'")
    app = Starlette(
        routes=[
            widgets.WidgetSite(),  # first: [::1] (or the fallback port) is the widgets' origin
            Host(ACN_HOST, Router(routes=[*TRUTH_ROUTES, *acn.routes(default_mode)])),
            Host(SFR_HOST, Router(routes=[*TRUTH_ROUTES, *sfr.routes(), *spa.routes()])),
            Host("{other}", unknown_host),
        ]
    )
    app.state.truth = Truth()
    app.state.payments = widgets.Payments()
    app.state.truth_token = secrets.token_urlsafe(24)
    app.state.default_mode = default_mode
    return app
