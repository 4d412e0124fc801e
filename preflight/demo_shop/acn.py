"""The ACN side (`127.0.0.1`): the EI's boutique, the order links that open an ACN session
and hand the customer to SFR, and the form where an order is attributed after the fact."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from preflight.demo_shop import flow
from preflight.demo_shop.sfr import page, static, truth_of
from preflight.demo_shop.truth import CONFIRMATIONS, WORDINGS, ConfirmationKind, Mode, Wording

DEFAULT_EI = "EI-0001"
# Where each mode's SFR pages live on localhost.
PREFIXES: dict[Mode, str] = {"mpa": "sfr", "spa": "app", "react": "react"}


def _mode(request: Request, default: Mode) -> Mode:
    asked = request.query_params.get("mode")
    return next((mode for mode in PREFIXES if mode == asked), default)


def _confirmation(request: Request) -> ConfirmationKind:
    """`?confirmation=state`: the single-page app shows the confirmation in place."""
    asked = request.query_params.get("confirmation")
    return next((kind for kind in CONFIRMATIONS if kind == asked), "page")


def _sfr_origin(request: Request) -> str:
    port = request.url.port
    return f"http://localhost:{port}" if port else "http://localhost"


def routes(default_mode: Mode) -> list[BaseRoute]:
    async def boutique(request: Request) -> Response:
        mode = _mode(request, default_mode)
        ei = request.query_params.get("ei", DEFAULT_EI)
        confirmation = _confirmation(request)
        cards = []
        for key, offer in flow.OFFERS.items():
            query = {"ei": ei, **({"mode": mode} if mode != "mpa" else {})}
            if confirmation != "page":
                query["confirmation"] = confirmation
            cards.append(
                {
                    "offer": offer,
                    "text": flow.ORDER_LINK_TEXTS[key],
                    "href": f"/acn/go/{key}?{urlencode(query)}",
                }
            )
        return page(
            request, "acn/boutique.html", {"title": "Boutique en ligne ACN", "cards": cards}
        )

    async def go(request: Request) -> Response:
        offer = request.path_params["offer"]
        if offer not in flow.OFFERS:
            return PlainTextResponse(
                f"Unknown offer {offer!r}: expected fibre, adsl or mobile", 404
            )
        mode = _mode(request, default_mode)
        ei = request.query_params.get("ei", DEFAULT_EI)
        asked = request.query_params.get("wording")
        wording: Wording = next((w for w in WORDINGS if w == asked), "shop")
        session = truth_of(request).open_acn_session(
            ei=ei, offer=offer, mode=mode, wording=wording, confirmation=_confirmation(request)
        )
        prefix = PREFIXES[mode]
        target = f"{_sfr_origin(request)}/{prefix}/offre/{offer}?{urlencode({'acn': session})}"
        response = RedirectResponse(target, status_code=302)
        response.set_cookie("acn_ei", ei, path="/", samesite="lax")
        return response

    async def confirmation(request: Request) -> Response:
        context: dict[str, object] = {"title": "Confirmation SFR", "types": flow.OFFERS}
        if request.method == "POST":
            form = await request.form()
            fields = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
            number = fields.get("numero_commande", "")
            type_ = fields.get("type_commande", "")
            date = fields.get("date_commande", "")
            if not number or type_ not in flow.OFFERS or not date:
                context["error"] = "Veuillez renseigner le numéro, le type et la date"
            elif truth_of(request).record_confirmation_form(number=number, type_=type_, date=date):
                context["thanks"] = True
            else:
                context["error"] = f"Commande {number} introuvable"
        return page(
            request, "acn/confirmation.html", context, 200 if "error" not in context else 422
        )

    return [
        Route("/", lambda r: RedirectResponse("/acn/boutique", status_code=302)),
        Route("/acn/boutique", boutique),
        Route("/acn/go/{offer}", go),
        Route("/acn/confirmation-sfr", confirmation, methods=["GET", "POST"]),
        Route("/acn/static/{path:path}", static),
    ]
