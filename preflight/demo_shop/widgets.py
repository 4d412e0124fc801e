"""The widgets the SFR pages embed from a third origin, as real shops embed a chat provider's
and a payment provider's iframes (issue #11).

The third origin is `http://[::1]:PORT` — IPv6 loopback, same server and port, so it needs no
second listener and is another origin (and another site) than both `127.0.0.1` (the ACN shop)
and `localhost` (SFR). Where IPv6 loopback cannot be bound, the server listens on a second,
free IPv4 port instead and the widgets are `http://127.0.0.1:PORT2` (another origin still: the
port differs); `DemoShop.widget_url` says which.

* **The assistance widget** (`/widget/assistance?s=SESSION`): « Être rappelé » and « Chat »
  buttons. Like a real widget it learns the shop's session from its URL, and tells its own
  server, which ends that order's ACN session in the truth exactly as the page's own
  customer-service buttons do. It also links to a help page of its own, so that it navigates,
  reloads and goes back in its own history like real widgets do.
* **The payment form** (`/widget/paiement?s=SESSION`): the IBAN and card fields live here, never
  in the shop's page. The form checks them with its own server and, when they are valid, posts
  a one-time payment reference (never the details) to the shop's page with `postMessage`; the
  page submits it with its step token, and the shop asks this module whether the reference is
  good for that order.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import OrderedDict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, Router
from starlette.types import Receive, Scope, Send

from preflight.demo_shop import flow
from preflight.demo_shop.truth import Truth

IPV6_HOST = "[::1]"
PAID_FIELD = flow.PAID_BY_PROVIDER


class Payments:
    """One-time payment references, each good for one order (bounded: a demo, not a bank)."""

    def __init__(self, limit: int = 1000) -> None:
        self._refs: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit
        # How long the form's server takes to answer (`DemoShop.slow_payments`).
        self.delay_s = 0.0

    def issue(self, order_id: str) -> str:
        ref = "p-" + secrets.token_urlsafe(12)
        with self._lock:
            self._refs[ref] = order_id
            while len(self._refs) > self._limit:
                self._refs.popitem(last=False)
        return ref

    def redeem(self, ref: str, order_id: str) -> bool:
        with self._lock:
            if self._refs.get(ref) != order_id:
                return False
            del self._refs[ref]
            return True


def widget_origin(request: Request) -> str:
    """Where the widgets are served, as the pages embed them."""
    origin = getattr(request.app.state, "widget_origin", None)
    if origin:
        return str(origin)
    return f"http://{IPV6_HOST}:{request.url.port or 80}"


def context(request: Request) -> dict[str, Any]:
    """For every template: the widgets' origin (a Jinja context processor)."""
    return {"widget_origin": widget_origin(request)}


def paid_fields(request: Request, fields: dict[str, str], order_id: str) -> dict[str, str]:
    """The payment step's form as the shop judges it: `PAID_FIELD` set only when the reference
    the page submitted was issued by the payment form for this very order."""
    checked = {k: v for k, v in fields.items() if k != PAID_FIELD}
    ref = checked.pop("paiement", "")
    payments: Payments = request.app.state.payments
    if ref and payments.redeem(ref, order_id):
        checked[PAID_FIELD] = "1"
    return checked


# -- the widget site -------------------------------------------------------------------------


def is_widget_request(scope: Scope) -> bool:
    host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
    if host.startswith(IPV6_HOST):
        return True
    port = getattr(scope["app"].state, "widget_port", None) if "app" in scope else None
    server = scope.get("server")
    return port is not None and server is not None and server[1] == port


class WidgetSite(BaseRoute):
    """The widget origin's routes. Starlette's `Host` cannot match `[::1]` (it cuts the host at
    the first colon), and the fallback origin differs by port only: this route matches on both."""

    def __init__(self) -> None:
        self.router = Router(routes=ROUTES)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and is_widget_request(scope):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.router(scope, receive, send)


def page(request: Request, name: str, context: dict[str, Any]) -> Response:
    from preflight.demo_shop import sfr  # sfr embeds the widgets: imported late, no cycle

    return sfr.page(request, name, context)


def truth_of(request: Request) -> Truth:
    truth: Truth = request.app.state.truth
    return truth


def _session(request: Request) -> str:
    return request.query_params.get("s", "")[:64]


async def assistance(request: Request) -> Response:
    return page(request, "widget/assistance.html", {"title": "Assistance", "s": _session(request)})


async def aide(request: Request) -> Response:
    return page(request, "widget/aide.html", {"title": "Aide", "s": _session(request)})


async def contact(request: Request) -> Response:
    """A button of the assistance widget was used: that order's ACN session ends."""
    form = await request.form()
    session, what = form.get("s"), form.get("what")
    if not isinstance(session, str) or what not in ("rappel", "chat"):
        return JSONResponse({"error": "expected s=SESSION and what=rappel|chat"}, 400)
    truth_of(request).customer_service(session, f"widget-{what}")
    return Response(status_code=204)


async def paiement(request: Request) -> Response:
    return page(
        request,
        "widget/paiement.html",
        {"title": "Paiement sécurisé", "s": _session(request), "shop_origin": _shop(request)},
    )


def _shop(request: Request) -> str:
    """The SFR site the payment form answers to (postMessage's target origin)."""
    origin = getattr(request.app.state, "sfr_origin", None)
    return str(origin) if origin else f"http://localhost:{request.url.port or 80}"


async def payer(request: Request) -> Response:
    """Check the bank details (never kept), and give a one-time reference for the order."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    payments: Payments = request.app.state.payments
    if payments.delay_s > 0:
        await asyncio.sleep(payments.delay_s)
    errors = {}
    if not flow.is_iban(fields.get("iban", "")):
        errors["iban"] = flow.MSG_IBAN
    if not flow.is_card_number(fields.get("carte", "")):
        errors["carte"] = flow.MSG_CARD
    if errors:
        return JSONResponse({"ok": False, "errors": errors}, headers={"Cache-Control": "no-store"})
    ref = payments.issue(fields.get("s", "")[:64])
    return JSONResponse({"ok": True, "ref": ref}, headers={"Cache-Control": "no-store"})


ROUTES: list[BaseRoute] = [
    Route("/widget/assistance", assistance),
    Route("/widget/aide", aide),
    Route("/widget/api/contact", contact, methods=["POST"]),
    Route("/widget/paiement", paiement),
    Route("/widget/api/paiement", payer, methods=["POST"]),
]
