"""The SFR order site, single-page modes (`/app/…` Preact, `/react/…` React): one shell page
boots an app that
routes on `location.pathname`, moves between steps with `history.pushState`, and fetches each
step as JSON with its token. Same flow, element ids, texts and truth semantics as the
multi-page mode: fetching a step's data is the showing of its token, so a reload (the URL's
token fetched again) or a popstate (the entry's token fetched again) is a replay."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from preflight.demo_shop import flow, widgets
from preflight.demo_shop.sfr import page, set_order_cookies, title_of, truth_of
from preflight.demo_shop.truth import Mode, Shown, Truth, UnknownToken

# Step data must reach the server every time: it *is* the showing the truth counts.
API_CACHING = {"Cache-Control": "no-store"}


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=API_CACHING)


def _expired() -> JSONResponse:
    return _json({"error": "expired", "title": "Lien expiré ou invalide"}, 404)


def step_data(truth: Truth, shown: Shown) -> dict[str, Any]:
    """What the app renders a step from."""
    order, token = shown.order, shown.token
    offer = flow.OFFERS[order.offer]
    data: dict[str, Any] = {
        "step": token.step,
        "t": token.value,
        "title": offer.title if token.step == "offre" else title_of(shown),
        "offer": {"key": offer.key, "type": offer.type, "title": offer.title, "price": offer.price},
        # `session`: what the page gives the widgets it embeds (their URLs carry it).
        "order": {"number": order.number, "status": order.status, "session": order.id},
        "view": token.view,
    }
    if order.confirmation == "state":
        data["in_place"] = True  # the app shows the confirmation where it was asked for
    if token.step in ("recapitulatif", "confirmation"):
        data["customer"] = dict(order.customer)  # echoed, as a real summary does
    if token.step == "offre":
        data["next"] = truth.link(token.value, "eligibilite")
    elif token.step == "eligibilite" and "result" in token.view:
        data["next"] = truth.link(token.value, "coordonnees")
    elif token.step == "confirmation":
        data["date"] = order.placed_on or flow.today_paris()
    return data


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def shell(request: Request) -> Response:
    return page(request, "sfr/app.html", {"title": "Commande en ligne"})


async def react_shell(request: Request) -> Response:
    """The React variant's shell (`/react/…`): same API, its own bundle."""
    return page(request, "sfr/react.html", {"title": "Commande en ligne"})


async def entree(request: Request) -> Response:
    """The landing: with the ACN id from the URL (or the landing token kept in history)."""
    body = await _body(request)
    if body is None or body.get("offer") not in flow.OFFERS:
        return _json({"error": "expected JSON {offer: fibre|adsl|mobile, acn: id|null}"}, 400)
    acn = body.get("acn")
    mode: Mode = "react" if body.get("mode") == "react" else "spa"
    truth = truth_of(request)
    shown = truth.enter(
        offer=str(body["offer"]), mode=mode, acn=str(acn) if acn else None, how="fetch"
    )
    response = _json(step_data(truth, shown))
    set_order_cookies(response, shown)
    return response


async def etape(request: Request) -> Response:
    truth = truth_of(request)
    try:
        shown = truth.show(
            request.query_params.get("t", ""), step=request.path_params["step"], how="fetch"
        )
    except UnknownToken:
        return _expired()
    return _json(step_data(truth, shown))


async def etape_submit(request: Request) -> Response:
    step = request.path_params["step"]
    body = await _body(request)
    if step not in flow.FORM_STEPS or body is None:
        return _json(
            {"error": f"expected a JSON form for one of {', '.join(flow.FORM_STEPS)}"}, 400
        )
    truth = truth_of(request)
    fields = {str(k): str(v) for k, v in body.items() if isinstance(v, str)}
    try:
        shown = truth.for_submit(fields.get("t", ""), step=step)
    except UnknownToken:
        return _expired()
    if step == "paiement":
        fields = widgets.paid_fields(request, fields, shown.order.id)
    outcome = flow.submit(step, flow.OFFERS[shown.order.offer], fields)
    # An error is answered in place: this answer is the showing of its new token.
    value = truth.follow(shown.order.id, outcome, at_step=step, shown=not outcome.ok)
    if outcome.ok:
        return _json({"ok": True, "next": {"step": outcome.step, "t": value}})
    again = truth.for_submit(value, step=step)
    return _json({"ok": False, "data": step_data(truth, again)})


def routes() -> list[BaseRoute]:
    return [
        Route("/app/{rest:path}", shell),
        Route("/react/{rest:path}", react_shell),
        Route("/api/entree", entree, methods=["POST"]),
        Route("/api/etape/{step}", etape, methods=["GET"]),
        Route("/api/etape/{step}", etape_submit, methods=["POST"]),
    ]
