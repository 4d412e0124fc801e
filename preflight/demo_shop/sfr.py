"""The SFR order site, multi-page mode (`/sfr/…` on `localhost`), and what both modes share:
the customer-service URLs, the showing beacon, the espace client, the static files."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from preflight.demo_shop import flow, widgets
from preflight.demo_shop.truth import Shown, Truth, UnknownToken

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"), context_processors=[widgets.context])

# Pages must stay eligible for the back/forward cache, as real shops' pages are: no-store would
# keep them out of it and hide the very behaviour the watcher must catch.
HTML_CACHING = {"Cache-Control": "no-cache"}
ORDER_COOKIE = "sfr_order"
ACN_COOKIE = "sfr_acn"
LOGIN_COOKIE = "sfr_login"
TEST_ACCOUNT = ("client.test@example.fr", "demo1234")


def truth_of(request: Request) -> Truth:
    truth: Truth = request.app.state.truth
    return truth


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """An HTML page, revalidated on every load but kept cacheable for history traversals."""
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status, headers=HTML_CACHING
    )


def expired(request: Request) -> Response:
    return page(request, "sfr/expired.html", {"title": "Lien expiré"}, status=404)


def step_context(shown: Shown) -> dict[str, Any]:
    order, token = shown.order, shown.token
    return {
        "order": order,
        "offer": flow.OFFERS[order.offer],
        "token": token.value,
        "step": token.step,
        "view": token.view,
        "values": token.view.get("values", {}),
        "field_errors": token.view.get("field_errors", {}),
        "customer": order.customer,
    }


# -- the landing page and the steps ---------------------------------------------------------


async def landing(request: Request) -> Response:
    offer = request.path_params["offer"]
    if offer not in flow.OFFERS:
        return PlainTextResponse(f"Offre inconnue : {offer}", status_code=404)
    truth = truth_of(request)
    acn = request.query_params.get("acn")
    shown = truth.enter(offer=offer, mode="mpa", acn=acn, how="get")
    context = step_context(shown)
    context["title"] = flow.OFFERS[offer].title
    context["next_token"] = truth.link(shown.token.value, "eligibilite")
    response = page(request, "sfr/offre.html", context)
    set_order_cookies(response, shown)
    return response


def set_order_cookies(response: Response, shown: Shown) -> None:
    # Session cookies (no Max-Age), as the merchant's own session marker is.
    response.set_cookie(ORDER_COOKIE, shown.order.id, path="/", samesite="lax")
    if shown.order.acn_session and shown.token.seq == 0:
        response.set_cookie(ACN_COOKIE, shown.order.acn_session, path="/", samesite="lax")
    elif shown.order.acn_session is None:
        # A direct order carries no ACN marker, not even one left by an earlier order.
        response.delete_cookie(ACN_COOKIE, path="/")


async def step_page(request: Request) -> Response:
    step = request.url.path.rsplit("/", 1)[-1]
    truth = truth_of(request)
    try:
        shown = truth.show(request.query_params.get("t", ""), step=step, how="get")
    except UnknownToken:
        return expired(request)
    context = step_context(shown)
    context["title"] = title_of(shown)
    if step == "eligibilite" and "result" in shown.token.view:
        context["next_token"] = truth.link(shown.token.value, "coordonnees")
    if step == "confirmation":
        context["date"] = shown.order.placed_on or flow.today_paris()
        context["date_words"] = flow.date_in_words(context["date"])
    return page(request, f"sfr/{step}.html", context)


PAGE_STEPS = ("eligibilite", "coordonnees", "recapitulatif", "paiement", "confirmation")


def title_of(shown: Shown) -> str:
    """The step page's h1 (and title)."""
    if shown.token.step == "confirmation":
        paid = shown.order.status == "paid"
        return "Commande confirmée" if paid else "Commande enregistrée"
    return {
        "eligibilite": "Test d'éligibilité",
        "coordonnees": "Vos coordonnées",
        "recapitulatif": "Récapitulatif",
        "paiement": "Paiement",
    }[shown.token.step]


async def step_submit(request: Request) -> Response:
    step = request.url.path.rsplit("/", 1)[-1]
    truth = truth_of(request)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        shown = truth.for_submit(fields.get("t", ""), step=step)
    except UnknownToken:
        return expired(request)
    if step == "paiement":
        fields = widgets.paid_fields(request, fields, shown.order.id)
    outcome = flow.submit(step, flow.OFFERS[shown.order.offer], fields)
    if outcome.via_redirect:
        # Through /sfr/suite, as a payment provider's return URL redirects to the shop.
        value = truth.advance(
            shown.order.id,
            step="suite",
            view={"to": outcome.step},
            event=outcome.event,
            status=outcome.status,
            placed_on=flow.today_paris(),
            at_step=step,
        )
        return RedirectResponse(f"/sfr/suite?{urlencode({'t': value})}", status_code=303)
    value = truth.follow(shown.order.id, outcome, at_step=step)
    return RedirectResponse(f"/sfr/{outcome.step}?{urlencode({'t': value})}", status_code=303)


async def suite(request: Request) -> Response:
    """A redirect hop (never displayed, so not a showing): to the step it stands for."""
    truth = truth_of(request)
    value = request.query_params.get("t", "")
    try:
        shown = truth.for_submit(value, step="suite")
    except UnknownToken:
        return expired(request)
    target = str(shown.token.view["to"])
    return RedirectResponse(
        f"/sfr/{target}?{urlencode({'t': truth.link(value, target)})}", status_code=302
    )


# -- what both modes share ------------------------------------------------------------------


async def beacon(request: Request) -> Response:
    """`pageshow` of a page: counts a showing the server did not see (a cache restore)."""
    form = await request.form()
    value = form.get("t")
    if not isinstance(value, str):
        return PlainTextResponse("t: expected the page's step token", status_code=400)
    try:
        cached = form.get("cached")
        truth_of(request).beacon(
            value,
            persisted=form.get("persisted") == "1",
            cached=None if cached is None else cached == "1",
        )
    except UnknownToken:
        return Response(status_code=404)
    return Response(status_code=204)


async def assistance(request: Request) -> Response:
    """Customer service: contact page, call-back, chat, the 1023 call. Any of them, with the
    order's cookie, ends the ACN session."""
    what = request.path_params["what"]
    truth_of(request).customer_service(request.cookies.get(ORDER_COOKIE), what)
    if request.method == "POST":
        return Response(status_code=204)
    if what == "chat":
        return page(request, "sfr/chat.html", {"title": "Chat"})
    return page(request, "sfr/contact.html", {"title": "Contacter SFR"})


async def mentions_legales(request: Request) -> Response:
    return page(request, "sfr/mentions.html", {"title": "Mentions légales"})


async def espace_client(request: Request) -> Response:
    truth = truth_of(request)
    session = request.cookies.get(LOGIN_COOKIE)
    error = None
    if request.method == "POST":
        form = await request.form()
        if (form.get("identifiant"), form.get("mot_de_passe")) == TEST_ACCOUNT:
            response = RedirectResponse("/sfr/mon-espace-client/", status_code=303)
            # Persistent on purpose: « close any open SFR session » (R3) must have a real,
            # long-lived login to find and remove.
            response.set_cookie(
                LOGIN_COOKIE, truth.log_in(), max_age=30 * 24 * 3600, path="/", samesite="lax"
            )
            return response
        error = "Identifiant ou mot de passe incorrect"
    logged_in = truth.is_logged_in(session)
    return page(
        request,
        "sfr/espace.html",
        {"title": "Mon espace client", "logged_in": logged_in, "error": error},
        status=401 if error else 200,
    )


async def deconnexion(request: Request) -> Response:
    truth_of(request).log_out(request.cookies.get(LOGIN_COOKIE))
    response = RedirectResponse("/sfr/mon-espace-client/", status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@lru_cache(maxsize=64)
def _static_file(path: str) -> tuple[bytes, str, str] | None:
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC.resolve()) or not target.is_file():
        return None
    body = target.read_bytes()
    kind = {".js": "text/javascript", ".svg": "image/svg+xml", ".css": "text/css"}.get(
        target.suffix
    ) or (mimetypes.guess_type(target.name)[0] or "application/octet-stream")
    if kind.startswith("text/") or kind.endswith("+xml"):
        kind += "; charset=utf-8"
    return body, kind, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


async def static(request: Request) -> Response:
    """Cacheable for a day, with an ETag: what the cache check measures must be cacheable."""
    found = _static_file(request.path_params["path"])
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    body, kind, etag = found
    headers = {"Cache-Control": "public, max-age=86400", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=kind, headers=headers)


def routes() -> list[BaseRoute]:
    return [
        Route("/", lambda r: RedirectResponse("/sfr/mon-espace-client/", status_code=302)),
        Route("/sfr/offre/{offer}", landing),
        *(Route(f"/sfr/{step}", step_page, methods=["GET"]) for step in PAGE_STEPS),
        *(Route(f"/sfr/{step}", step_submit, methods=["POST"]) for step in flow.FORM_STEPS),
        Route("/sfr/suite", suite),
        Route("/sfr/api/vu", beacon, methods=["POST"]),
        Route("/sfr/assistance/{what:path}", assistance, methods=["GET", "POST"]),
        Route("/sfr/mentions-legales", mentions_legales),
        Route("/sfr/mon-espace-client/", espace_client, methods=["GET", "POST"]),
        Route(
            "/sfr/mon-espace-client",
            lambda r: RedirectResponse("/sfr/mon-espace-client/", status_code=302),
        ),
        Route("/sfr/mon-espace-client/deconnexion", deconnexion, methods=["POST"]),
        Route("/sfr/static/{path:path}", static),
    ]
