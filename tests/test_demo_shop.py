"""The demo shop at the HTTP level: the flow, the one-time tokens, the truth it records.

A browser is played by hand here: `show()` does what a browser does for a page (GET it, then
its `pageshow` beacon); a cache restore is a beacon without a GET.
"""

from __future__ import annotations

import html
import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from preflight.demo_shop import DemoShop, create_app
from preflight.demo_shop.flow import is_card_number, is_eligible, is_french_phone, is_iban
from preflight.errors import UsageError
from preflight.globs import url_matches

IBAN = "FR76 3000 6000 0112 3456 7890 189"
PERSONAL = {
    "nom": "Jeanne Martin",
    "telephone": "06 12 34 56 78",
    "email": "jeanne.martin@example.org",
}
ADDRESS = "12 rue de la Paix, 75002 Paris"


@pytest.fixture
def client(shop: DemoShop) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.sfr_url, follow_redirects=True, timeout=10) as c:
        yield c


def token_of(response: httpx.Response) -> str:
    found = re.search(r'data-token="([^"]+)"', response.text)
    assert found, f"no step token on {response.url}"
    return html.unescape(found.group(1))


def href(response: httpx.Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}" href="([^"]+)"', response.text)
    assert found, f"no #{element_id} link on {response.url}"
    return html.unescape(found.group(1))


def beacon(
    client: httpx.Client, token: str, *, persisted: bool = False, cached: bool | None = None
) -> httpx.Response:
    data = {"t": token, "persisted": "1" if persisted else "0"}
    if cached is not None:
        data["cached"] = "1" if cached else "0"
    return client.post("/sfr/api/vu", data=data)


def show(client: httpx.Client, url: str) -> httpx.Response:
    """Load a page as a browser does: GET, then the page's own `pageshow` beacon."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert beacon(client, token_of(response)).status_code == 204
    return response


def submit(client: httpx.Client, page: httpx.Response, step: str, **fields: str) -> httpx.Response:
    """Submit a step's form (POST, 303, GET), then the result page's beacon."""
    response = client.post(f"/sfr/{step}", data={"t": token_of(page), **fields})
    assert response.status_code == 200, (step, response.status_code)
    assert beacon(client, token_of(response)).status_code == 204
    return response


def enter(client: httpx.Client, shop: DemoShop, offer: str = "fibre") -> httpx.Response:
    response = client.get(shop.link(offer=offer, mode="mpa"))
    assert response.status_code == 200
    assert beacon(client, token_of(response)).status_code == 204
    return response


def to_details(client: httpx.Client, shop: DemoShop) -> tuple[httpx.Response, ...]:
    landing = enter(client, shop)
    eligibility = show(client, href(landing, "tester-eligibilite"))
    result = submit(client, eligibility, "eligibilite", adresse=ADDRESS)
    details = show(client, href(result, "continuer"))
    return landing, eligibility, result, details


# -- the whole flow -------------------------------------------------------------------------


def test_acn_link_to_confirmation_saved_for_later_stays_attributed(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing, _, result, details = to_details(client, shop)
    assert "Box Fibre SFR" in landing.text
    assert '<p id="resultat" class="success">Éligible à la Fibre</p>' in result.text
    summary = submit(client, details, "coordonnees", **PERSONAL)
    assert "<h1>Récapitulatif</h1>" in summary.text
    done = submit(client, summary, "recapitulatif", action="plus-tard")

    assert "<h1>Commande enregistrée</h1>" in done.text
    assert "Le panier a été envoyé au client par e-mail" in done.text
    order = shop.only_order()
    assert order["number"] in done.text
    assert re.search(r'data-testid="order-type">Fibre<', done.text)
    assert re.search(r'data-testid="order-date">\d\d/\d\d/\d{4}<', done.text)
    assert order["attributed"] is True
    assert order["ended_by"] is None
    assert order["status"] == "saved_for_later"
    assert order["mode"] == "mpa" and order["ei"] == "EI-0001"
    assert order["acn_session"].startswith("acn-")
    assert re.fullmatch(r"SFR-\d{6}", order["number"])


def test_payment_path_redirects_to_confirmation_and_keeps_no_bank_details(
    client: httpx.Client, shop: DemoShop
) -> None:
    *_, details = to_details(client, shop)
    summary = submit(client, details, "coordonnees", **PERSONAL)
    payment = submit(client, summary, "recapitulatif", action="payer")
    assert "<h1>Paiement</h1>" in payment.text

    done = submit(client, payment, "paiement", iban=IBAN, carte="")

    assert [r.status_code for r in done.history] == [303, 302]  # through /sfr/suite
    assert "/sfr/suite?" in str(done.history[1].url)
    assert "<h1>Commande confirmée</h1>" in done.text
    order = shop.only_order()
    assert order["status"] == "paid" and order["attributed"] is True
    truth = json.dumps(shop.orders(), ensure_ascii=False)
    for secret in (IBAN.replace(" ", ""), "3000 6000", *PERSONAL.values(), ADDRESS):
        assert secret not in truth


# -- what ends the ACN session --------------------------------------------------------------


def test_refresh_of_the_eligibility_page_ends_the_session_as_reload(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = enter(client, shop)
    url = href(landing, "tester-eligibilite")
    show(client, url)
    assert shop.only_order()["attributed"] is True

    again = show(client, url)

    assert "<h1>Test d'éligibilité</h1>" in again.text  # served as usual: it is silent
    order = shop.only_order()
    assert (order["attributed"], order["ended_by"], order["ended_at"]) == (
        False,
        "reload",
        "eligibilite",
    )


def test_refresh_of_the_landing_page_replays_the_acn_id(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = enter(client, shop)

    show(client, str(landing.url))

    order = shop.only_order()
    assert (order["ended_by"], order["ended_at"]) == ("reload", "offre")


def test_an_older_token_is_back_then_a_newer_one_is_forward(
    client: httpx.Client, shop: DemoShop
) -> None:
    _, _, result, details = to_details(client, shop)

    # Back from the details page to the eligibility result, served from the HTTP cache: only
    # its beacon reaches the server.
    assert beacon(client, token_of(result)).status_code == 204
    order = shop.only_order()
    assert (order["attributed"], order["ended_by"], order["ended_at"]) == (
        False,
        "back",
        "eligibilite",
    )

    # Forward again: the details page's token, newer than the current one.
    show(client, str(details.url))

    order = shop.only_order()
    assert order["ended_by"] == "back"  # the first ending stays the cause
    kinds = [(e["kind"], e["step"]) for e in order["events"]]
    assert ("back", "eligibilite") in kinds
    assert ("forward", "coordonnees") in kinds
    assert kinds.index(("back", "eligibilite")) < kinds.index(("forward", "coordonnees"))


def test_back_to_the_landing_page_is_back(client: httpx.Client, shop: DemoShop) -> None:
    landing = enter(client, shop)
    show(client, href(landing, "tester-eligibilite"))

    show(client, str(landing.url))  # bfcache off: the browser GETs the landing URL again

    assert shop.only_order()["ended_by"] == "back"
    assert shop.only_order()["ended_at"] == "offre"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sfr/assistance/contact"),
        ("POST", "/sfr/assistance/rappel"),
        ("GET", "/sfr/assistance/chat"),
        ("POST", "/sfr/assistance/appel"),
    ],
)
def test_any_customer_service_url_ends_the_session(
    client: httpx.Client, shop: DemoShop, method: str, path: str
) -> None:
    to_details(client, shop)

    response = client.request(method, path)

    assert response.status_code in (200, 204)
    order = shop.only_order()
    assert (order["attributed"], order["ended_by"], order["ended_at"]) == (
        False,
        "customer_service",
        "coordonnees",
    )


def test_customer_service_without_an_order_cookie_records_nothing(shop: DemoShop) -> None:
    response = httpx.get(f"{shop.sfr_url}/sfr/assistance/contact")
    assert response.status_code == 200
    assert "Contacter SFR" in response.text
    assert shop.orders() == []


def test_reaching_sfr_directly_is_a_direct_order(client: httpx.Client, shop: DemoShop) -> None:
    landing = show(client, "/sfr/offre/adsl")
    assert "Box ADSL SFR" in landing.text

    order = shop.only_order()
    assert (order["attributed"], order["ended_by"], order["acn_session"]) == (
        False,
        "direct",
        None,
    )
    assert order["offer"] == "adsl"


def test_a_direct_order_drops_an_earlier_acn_marker(client: httpx.Client, shop: DemoShop) -> None:
    enter(client, shop)
    assert client.cookies.get("sfr_acn")

    show(client, "/sfr/offre/mobile")

    assert client.cookies.get("sfr_acn") is None
    assert [o["ended_by"] for o in shop.orders()] == [None, "direct"]


def test_an_unknown_acn_id_is_a_direct_order(client: httpx.Client, shop: DemoShop) -> None:
    show(client, "/sfr/offre/fibre?acn=acn-forged")
    assert shop.only_order()["ended_by"] == "direct"


def test_after_the_order_is_placed_a_refresh_is_recorded_but_keeps_it_attributed(
    client: httpx.Client, shop: DemoShop
) -> None:
    *_, details = to_details(client, shop)
    summary = submit(client, details, "coordonnees", **PERSONAL)
    done = submit(client, summary, "recapitulatif", action="plus-tard")

    show(client, str(done.url))

    order = shop.only_order()
    assert order["attributed"] is True and order["ended_by"] is None
    assert order["events"][-1]["kind"] == "reload"
    assert order["events"][-1]["after_order"] is True


# -- what does not end it -------------------------------------------------------------------


def test_validation_errors_show_messages_and_keep_the_session(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = enter(client, shop)
    eligibility = show(client, href(landing, "tester-eligibilite"))

    empty = submit(client, eligibility, "eligibilite", adresse="  ")
    assert '<p class="field-error" id="adresse-error">Veuillez saisir une adresse</p>' in empty.text
    white = submit(client, empty, "eligibilite", adresse="3 chemin de la Zone Blanche")
    assert 'data-testid="eligibility-error"' in white.text
    assert "Votre adresse n&#39;est pas éligible à cette offre." in white.text
    assert 'value="3 chemin de la Zone Blanche"' in white.text  # the address stays
    postcode = submit(client, white, "eligibilite", adresse="1 place du Village 99999 Nulle-Part")
    assert 'data-testid="eligibility-error"' in postcode.text
    result = submit(client, postcode, "eligibilite", adresse=ADDRESS)
    details = show(client, href(result, "continuer"))
    bad_phone = submit(client, details, "coordonnees", **{**PERSONAL, "telephone": "12345"})
    assert "Numéro de téléphone invalide" in bad_phone.text
    summary = submit(client, bad_phone, "coordonnees", **PERSONAL)
    payment = submit(client, summary, "recapitulatif", action="payer")
    bad_iban = submit(client, payment, "paiement", iban="FR76 1234 5678 9012 3456 7890 123")
    # The IBAN is refused; its message is the payment frame's to show (issue #11): the shop
    # shows its payment step again, with the frame.
    assert "<h1>Paiement</h1>" in bad_iban.text and 'id="paiement"' in bad_iban.text
    assert "FR76 1234" not in bad_iban.text  # bank details are never echoed back
    submit(client, bad_iban, "paiement", iban=IBAN)

    order = shop.only_order()
    assert order["attributed"] is True and order["ended_by"] is None
    assert order["status"] == "paid"
    kinds = [e["kind"] for e in order["events"]]
    assert kinds.count("validation_error") == 3 and kinds.count("not_eligible") == 2


def test_a_get_and_its_own_beacon_count_as_one_showing(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = enter(client, shop)
    eligibility = client.get(href(landing, "tester-eligibilite"))
    token = token_of(eligibility)

    beacon(client, token)
    assert shop.only_order()["attributed"] is True

    # A second beacon without a GET: the page shown again from a cache.
    beacon(client, token)
    assert shop.only_order()["ended_by"] == "reload"


def test_a_late_beacon_neither_ends_the_session_nor_moves_the_order_back(
    client: httpx.Client, shop: DemoShop
) -> None:
    # Under load, a page's own beacon can reach the server after the next page was served
    # (CI, 2026-12-01: the order stayed "at" the eligibility page, and the Back that followed
    # was not counted).
    landing = enter(client, shop)
    eligibility = show(client, href(landing, "tester-eligibilite"))
    result = client.post("/sfr/eligibilite", data={"t": token_of(eligibility), "adresse": ADDRESS})
    details = show(client, href(result, "continuer"))
    beacon(client, token_of(result))  # the result page's own, late
    order = shop.only_order()
    assert (order["step"], order["attributed"]) == ("coordonnees", True)

    # The Back to the result page, restored from the back/forward cache.
    beacon(client, token_of(result), persisted=True)
    order = shop.only_order()
    assert (order["ended_by"], order["ended_at"]) == ("back", "eligibilite"), order
    assert "<h1>Vos coordonnées</h1>" in details.text


def test_a_restore_is_a_replay_even_when_the_first_beacon_never_came(
    client: httpx.Client, shop: DemoShop
) -> None:
    # A page left before its `pageshow` (a click while it loads) never reports its load.
    landing = enter(client, shop)
    eligibility = client.get(href(landing, "tester-eligibilite"))
    beacon(client, token_of(eligibility), persisted=True)
    order = shop.only_order()
    assert (order["ended_by"], order["ended_at"]) == ("reload", "eligibilite"), order


def test_a_showing_from_the_http_cache_is_a_replay_even_when_the_load_never_reported(
    client: httpx.Client, shop: DemoShop
) -> None:
    # CI, 2026-12-07 (Chromium, cache off): Back was pressed before the eligibility page's
    # `pageshow`, so its load never reported; the Forward's showing from the HTTP cache was then
    # taken for that load's own report, and the shop never counted the Forward.
    landing = enter(client, shop)
    eligibility = client.get(href(landing, "tester-eligibilite"))
    beacon(client, token_of(landing), cached=True)  # Back: the landing, from the HTTP cache
    assert [e["kind"] for e in shop.only_order()["events"]] == ["acn_entry", "back"]
    beacon(client, token_of(eligibility), cached=True)  # Forward, from the HTTP cache
    order = shop.only_order()
    assert [e["kind"] for e in order["events"]] == ["acn_entry", "back", "forward"], order
    assert order["ended_by"] == "back"
    # A served load's own report, however late, is never a showing of its own.
    beacon(client, token_of(eligibility), cached=False)
    assert shop.only_order()["events"] == order["events"]


def test_a_second_get_without_beacon_is_a_replay(client: httpx.Client, shop: DemoShop) -> None:
    landing = enter(client, shop)
    url = href(landing, "tester-eligibilite")
    client.get(url)
    client.get(url)
    assert shop.only_order()["ended_by"] == "reload"


def test_the_in_page_anchor_and_legal_notice_are_not_customer_service(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = enter(client, shop)
    assert '<a href="#conditions" id="voir-conditions">Voir les conditions</a>' in landing.text
    assert '<section id="conditions">' in landing.text
    assert 'href="/sfr/mentions-legales" target="_blank"' in landing.text

    assert client.get("/sfr/mentions-legales").status_code == 200

    assert shop.only_order()["attributed"] is True


def test_every_sfr_page_has_the_customer_service_elements(
    client: httpx.Client, shop: DemoShop
) -> None:
    pages = [*to_details(client, shop), client.get("/sfr/mon-espace-client/")]
    for response in pages:
        text = response.text
        assert '<a href="/sfr/assistance/contact" id="service-client">Service client</a>' in text
        assert '<button type="button" id="etre-rappele">Être rappelé</button>' in text
        assert 'id="chat" aria-label="Chat"' in text
        assert '<a href="tel:1023" id="appel-1023">1023</a>' in text
        assert '<script src="/sfr/static/shop.js"' in text
        assert 'href="/sfr/static/shop.css"' in text and 'src="/sfr/static/logo.svg"' in text


def test_unknown_or_stale_tokens_are_a_clear_404(client: httpx.Client, shop: DemoShop) -> None:
    response = client.get("/sfr/coordonnees?t=nope")
    assert response.status_code == 404
    assert "Lien expiré ou invalide" in response.text
    assert beacon(client, "nope").status_code == 404
    landing = enter(client, shop)
    # A real token on the wrong step.
    wrong = client.get("/sfr/paiement?t=" + href(landing, "tester-eligibilite").split("t=")[1])
    assert wrong.status_code == 404


# -- the ACN side ---------------------------------------------------------------------------


def test_the_boutique_links_each_offer_with_the_eis_link(shop: DemoShop) -> None:
    mpa = httpx.get(f"{shop.acn_url}/acn/boutique")
    assert "<title>Boutique en ligne ACN</title>" in mpa.text
    assert "<h1>Boutique en ligne ACN</h1>" in mpa.text
    for offer, text in [
        ("fibre", "Commander la Fibre"),
        ("adsl", "Commander l&#39;ADSL (Box)"),
        ("mobile", "Commander le Mobile"),
    ]:
        assert f'href="/acn/go/{offer}?ei=EI-0001">{text}</a>' in mpa.text
    spa = httpx.get(f"{shop.acn_url}/acn/boutique?mode=spa")
    assert 'href="/acn/go/fibre?ei=EI-0001&amp;mode=spa">Commander la Fibre</a>' in spa.text
    assert 'href="/acn/confirmation-sfr"' in mpa.text


def test_the_acn_link_sets_its_cookie_and_redirects_to_sfr(shop: DemoShop) -> None:
    response = httpx.get(f"{shop.acn_url}/acn/go/mobile?ei=EI-0042&mode=spa")
    assert response.status_code == 302
    assert re.fullmatch(
        rf"http://localhost:{shop.port}/app/offre/mobile\?acn=acn-[0-9a-f]+",
        response.headers["location"],
    )
    assert "acn_ei=EI-0042" in response.headers["set-cookie"]
    mpa = httpx.get(f"{shop.acn_url}/acn/go/fibre?ei=EI-0042")
    assert f"localhost:{shop.port}/sfr/offre/fibre?acn=acn-" in mpa.headers["location"]
    assert httpx.get(f"{shop.acn_url}/acn/go/tv?ei=EI-0042").status_code == 404
    assert httpx.get(f"{shop.acn_url}/").headers["location"] == "/acn/boutique"


def test_the_landing_sets_the_acn_marker_and_order_cookies(
    client: httpx.Client, shop: DemoShop
) -> None:
    enter(client, shop)
    order = shop.only_order()
    assert client.cookies.get("sfr_acn") == order["acn_session"]
    assert client.cookies.get("sfr_order") == order["id"]


def test_the_acn_confirmation_form_attributes_the_order_after_the_fact(
    client: httpx.Client, shop: DemoShop
) -> None:
    enter(client, shop)
    number = shop.only_order()["number"]
    form = f"{shop.acn_url}/acn/confirmation-sfr"
    assert 'id="numero-commande"' in httpx.get(form).text

    unknown = httpx.post(
        form, data={"numero_commande": "SFR-999999", "type_commande": "fibre", "date_commande": "x"}
    )
    assert unknown.status_code == 422 and "introuvable" in unknown.text
    thanks = httpx.post(
        form,
        data={"numero_commande": number, "type_commande": "fibre", "date_commande": "26/11/2026"},
    )

    assert "Merci" in thanks.text
    assert shop.only_order()["confirmation_form"] == {
        "number": number,
        "type": "fibre",
        "date": "26/11/2026",
    }


# -- the rest of the contract ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sfr/static/logo.svg", "/sfr/static/shop.css"])
def test_static_files_are_cacheable_with_an_etag(shop: DemoShop, path: str) -> None:
    first = httpx.get(shop.sfr_url + path)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=86400"
    etag = first.headers["etag"]

    again = httpx.get(shop.sfr_url + path, headers={"If-None-Match": etag})

    assert again.status_code == 304 and again.headers["etag"] == etag


def test_html_pages_are_revalidated_but_not_kept_out_of_the_caches(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = enter(client, shop)
    for response in (landing, client.get("/sfr/mon-espace-client/")):
        assert response.headers["cache-control"] == "no-cache"


def test_static_paths_cannot_leave_the_static_folder(shop: DemoShop) -> None:
    response = httpx.get(shop.sfr_url + "/sfr/static/..%2F__init__.py")
    assert response.status_code == 404


def test_espace_client_login_is_persistent_until_logout(
    client: httpx.Client, shop: DemoShop
) -> None:
    page = client.get("/sfr/mon-espace-client/")
    assert 'data-testid="account-logged-out"' in page.text

    wrong = client.post(
        "/sfr/mon-espace-client/",
        data={"identifiant": "client.test@example.fr", "mot_de_passe": "nope"},
    )
    assert wrong.status_code == 401 and "Identifiant ou mot de passe incorrect" in wrong.text
    login = client.post(
        "/sfr/mon-espace-client/",
        data={"identifiant": "client.test@example.fr", "mot_de_passe": "demo1234"},
    )

    set_cookie = login.history[0].headers["set-cookie"]
    assert "sfr_login=" in set_cookie and "Max-Age=2592000" in set_cookie and "Path=/" in set_cookie
    assert 'data-testid="account-logged-in"' in login.text and "Bonjour Client Test" in login.text
    assert 'id="se-deconnecter"' in login.text

    logout = client.post("/sfr/mon-espace-client/deconnexion")
    assert 'data-testid="account-logged-out"' in logout.text
    assert "sfr_login" not in client.cookies


def test_reset_forgets_orders_and_logins(client: httpx.Client, shop: DemoShop) -> None:
    client.post(
        "/sfr/mon-espace-client/",
        data={"identifiant": "client.test@example.fr", "mot_de_passe": "demo1234"},
    )
    enter(client, shop)
    assert httpx.get(f"{shop.acn_url}/__truth/orders").json() != []

    assert httpx.post(f"{shop.sfr_url}/__truth/reset").status_code == 403  # no token
    assert httpx.get(f"{shop.acn_url}/__truth/orders").json() != []
    reset = httpx.post(f"{shop.sfr_url}/__truth/reset", headers=shop.truth_headers)
    assert reset.status_code == 204

    assert httpx.get(f"{shop.sfr_url}/__truth/orders").json() == []
    assert 'data-testid="account-logged-out"' in client.get("/sfr/mon-espace-client/").text


def test_the_truth_api_is_what_orders_returns(client: httpx.Client, shop: DemoShop) -> None:
    enter(client, shop)
    served = httpx.get(f"{shop.acn_url}/__truth/orders").json()
    assert served == shop.orders()
    assert set(served[0]) >= {
        "id", "number", "offer", "mode", "ei", "acn_session", "attributed", "ended_by",
        "ended_at", "status", "events", "confirmation_form",
    }  # fmt: skip
    assert set(served[0]["events"][0]) >= {"kind", "step", "at"}


def test_wait_for_orders_polls_until_the_predicate_holds(shop: DemoShop) -> None:
    timer = threading.Timer(0.1, lambda: httpx.get(f"{shop.sfr_url}/sfr/offre/fibre"))
    timer.start()
    orders = shop.wait_for_orders(lambda orders: len(orders) == 1)
    assert orders[0]["ended_by"] == "direct"
    with pytest.raises(TimeoutError, match="did not reach"):
        shop.wait_for_orders(lambda orders: len(orders) == 2, timeout=0.2)


def test_unknown_hosts_get_a_clear_404(shop: DemoShop) -> None:
    response = httpx.get(f"{shop.acn_url}/", headers={"Host": f"example.com:{shop.port}"})
    assert response.status_code == 404
    assert "127.0.0.1 (the ACN shop) and localhost (the SFR order site)" in response.text


def test_the_shop_serves_once_started_and_stops_without_a_thread_left() -> None:
    before = set(threading.enumerate())
    with DemoShop(port=0) as shop:
        assert shop.running
        assert httpx.get(f"{shop.acn_url}/acn/boutique").status_code == 200
        assert shop.link(offer="adsl", mode="spa") == (
            f"http://127.0.0.1:{shop.port}/acn/go/adsl?ei=EI-0001&mode=spa"
        )
        assert shop.rules().merchant_session.account_url == (
            f"http://localhost:{shop.port}/sfr/mon-espace-client/"
        )
    assert set(threading.enumerate()) <= before
    assert not shop.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{shop.port}/acn/boutique")


def test_a_port_in_use_is_a_usage_error(shop: DemoShop) -> None:
    with pytest.raises(UsageError, match=rf"port {shop.port} is already in use"):
        DemoShop(port=shop.port).start()


def test_create_app_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="expected 'mpa', 'spa' or 'react'"):
        create_app(default_mode="amp")  # type: ignore[arg-type]


# -- the validators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "valid"),
    [
        ("06 12 34 56 78", True),
        ("01.23.45.67.89", True),
        ("+33 6 12 34 56 78", True),
        ("0612345678", True),
        ("00 12 34 56 78", False),
        ("06 12 34 56", False),
        ("+44 6 12 34 56 78", False),
        ("téléphone", False),
    ],
)
def test_french_phone_numbers(phone: str, valid: bool) -> None:
    assert is_french_phone(phone) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        (IBAN, True),
        ("fr7630006000011234567890189", True),
        ("FR76 3000 6000 0112 3456 7890 188", False),  # check digits fail
        ("DE89 3704 0044 0532 0130 00", False),  # valid, but not French
        ("FR76", False),
    ],
)
def test_iban_shape_and_check_digits(iban: str, valid: bool) -> None:
    assert is_iban(iban) is valid


def test_card_number_is_optional_but_checked() -> None:
    assert is_card_number("")
    assert is_card_number("4111 1111 1111 1111")
    assert not is_card_number("4111 1111 1111 1112")


def test_not_eligible_addresses() -> None:
    assert not is_eligible("Lieu-dit ZONE BLANCHE")
    assert not is_eligible("2 rue Haute 99999 Ailleurs")
    assert is_eligible(ADDRESS)


# -- preflight serve-demo -------------------------------------------------------------------


def test_serve_demo_prints_both_hosts_and_stops_cleanly_on_ctrl_c() -> None:
    command = [sys.executable, "-m", "preflight", "serve-demo", "--port", "0", "--mode", "spa"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        truth_url = lines[4].split()[-1]
        assert re.fullmatch(r"http://localhost:\d+/__truth/orders", truth_url), lines
        assert httpx.get(truth_url).json() == []
        assert "mode=spa" in lines[2] and "http://127.0.0.1:" in lines[1]

        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)

    assert process.returncode == 0
    stopped = ("Stopping the demo shop.", "Arrêt de la boutique de démonstration.")
    assert "Traceback" not in err and any(line in out for line in stopped), out


def test_serve_demo_on_a_port_in_use_says_so_and_exits_2(shop: DemoShop) -> None:
    command = [sys.executable, "-m", "preflight", "serve-demo", "--port", str(shop.port)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"port {shop.port} is already in use" in done.stderr
    assert "Traceback" not in done.stderr


# -- single-page mode: the JSON steps -------------------------------------------------------


def spa_enter(client: httpx.Client, shop: DemoShop, offer: str = "fibre") -> dict[str, Any]:
    shell = client.get(shop.link(offer=offer, mode="spa"))
    assert shell.status_code == 200 and '<div id="app"' in shell.text
    acn = shell.url.params["acn"]
    landing = client.post("/api/entree", json={"offer": offer, "acn": acn})
    assert landing.status_code == 200 and landing.headers["cache-control"] == "no-store"
    data: dict[str, Any] = landing.json()
    return data


def spa_fetch(client: httpx.Client, step: str, t: str) -> dict[str, Any]:
    response = client.get(f"/api/etape/{step}", params={"t": t})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def spa_post(client: httpx.Client, step: str, **fields: str) -> dict[str, Any]:
    response = client.post(f"/api/etape/{step}", json=fields)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_spa_whole_flow_is_attributed_and_paid(client: httpx.Client, shop: DemoShop) -> None:
    landing = spa_enter(client, shop)
    assert (landing["step"], landing["offer"]["type"]) == ("offre", "Fibre")
    assert landing["t"] == shop.only_order()["acn_session"]  # the landing's token is the ACN id
    form = spa_fetch(client, "eligibilite", landing["next"])
    answer = spa_post(client, "eligibilite", t=form["t"], adresse=ADDRESS)
    assert answer["ok"] and answer["next"]["step"] == "eligibilite"
    result = spa_fetch(client, "eligibilite", answer["next"]["t"])
    assert result["view"]["result"] == "Éligible à la Fibre"
    details = spa_fetch(client, "coordonnees", result["next"])
    summary = spa_fetch(
        client, **spa_post(client, "coordonnees", t=details["t"], **PERSONAL)["next"]
    )
    payment = spa_fetch(
        client, **spa_post(client, "recapitulatif", t=summary["t"], action="payer")["next"]
    )
    done = spa_fetch(client, **spa_post(client, "paiement", t=payment["t"], iban=IBAN)["next"])

    assert done["title"] == "Commande confirmée"
    order = shop.only_order()
    assert (order["mode"], order["attributed"], order["status"]) == ("spa", True, "paid")
    assert done["order"]["number"] == order["number"]
    assert client.cookies.get("sfr_acn") == order["acn_session"]


def test_spa_fetching_a_step_twice_is_a_reload_and_an_older_one_is_back(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = spa_enter(client, shop)
    form = spa_fetch(client, "eligibilite", landing["next"])

    spa_fetch(client, "eligibilite", form["t"])  # a reload fetches the URL's token again
    assert shop.only_order()["ended_by"] == "reload"

    spa_enter_again = client.post("/api/entree", json={"offer": "fibre", "acn": landing["t"]})
    assert spa_enter_again.status_code == 200  # popstate back to the landing
    assert ("back", "offre") in [(e["kind"], e["step"]) for e in shop.only_order()["events"]]


def test_spa_validation_errors_answer_in_place_without_ending_the_session(
    client: httpx.Client, shop: DemoShop
) -> None:
    landing = spa_enter(client, shop)
    form = spa_fetch(client, "eligibilite", landing["next"])

    refused = spa_post(client, "eligibilite", t=form["t"], adresse="Zone Blanche")

    assert refused["ok"] is False
    again = refused["data"]
    assert again["view"]["eligibility_error"] == "Votre adresse n'est pas éligible à cette offre."
    assert again["t"] != form["t"]
    assert shop.only_order()["attributed"] is True
    # The answer was the showing of its token: fetching it again (a reload) is a replay.
    spa_fetch(client, "eligibilite", again["t"])
    assert shop.only_order()["ended_by"] == "reload"


def test_spa_direct_entry_and_bad_requests(client: httpx.Client, shop: DemoShop) -> None:
    direct = client.post("/api/entree", json={"offer": "mobile", "acn": None})
    assert direct.status_code == 200
    assert shop.only_order()["ended_by"] == "direct" and shop.only_order()["mode"] == "spa"
    assert client.post("/api/entree", content=b"not json").status_code == 400
    assert client.post("/api/entree", json={"offer": "tv"}).status_code == 400
    assert client.get("/api/etape/coordonnees", params={"t": "nope"}).status_code == 404
    assert client.post("/api/etape/confirmation", json={"t": "x"}).status_code == 400


# -- React mode: its own shell and prefix, the same JSON steps ------------------------------


def test_the_react_link_leads_to_its_own_shell_and_the_order_says_react(
    client: httpx.Client, shop: DemoShop
) -> None:
    boutique = httpx.get(f"{shop.acn_url}/acn/boutique?mode=react")
    assert 'href="/acn/go/fibre?ei=EI-0001&amp;mode=react">Commander la Fibre</a>' in boutique.text
    redirect = httpx.get(shop.link(offer="adsl", mode="react"))
    assert re.fullmatch(
        rf"http://localhost:{shop.port}/react/offre/adsl\?acn=acn-[0-9a-f]+",
        redirect.headers["location"],
    )
    shell = client.get(shop.link(offer="fibre", mode="react"))
    assert shell.status_code == 200 and '<div id="app"' in shell.text
    assert '<script type="module" src="/sfr/static/react/shop.js">' in shell.text
    assert "preact" not in shell.text
    bundle = client.get("/sfr/static/react/shop.js")
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    landing = client.post(
        "/api/entree", json={"offer": "fibre", "acn": shell.url.params["acn"], "mode": "react"}
    )
    assert landing.json()["step"] == "offre"
    order = shop.only_order()
    assert (order["mode"], order["attributed"]) == ("react", True)


def test_the_react_mode_is_served_by_serve_demo_and_the_rules_know_its_pages(
    shop: DemoShop,
) -> None:
    rules = shop.rules()
    base = f"http://localhost:{shop.port}/react"
    assert url_matches(f"{base}/coordonnees?t=x", rules.order.merchant)
    assert url_matches(f"{base}/paiement?t=x", rules.order.payment)
    assert url_matches(f"{base}/confirmation?t=x", rules.order.confirmation)
    command = [sys.executable, "-m", "preflight", "serve-demo", "--port", "0", "--mode", "react"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        boutique = httpx.get(lines[1].split()[-1] + "?mode=react")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert "mode=react" in boutique.text
    # In the locale's language (French unless the environment says otherwise).
    assert lines[0].startswith(("Boutique de démonstration (react)", "Demo shop (react)")), lines
    assert "mode=react" in lines[2], lines
    assert process.returncode == 0 and "Traceback" not in err


def test_a_payment_reference_counts_only_when_the_payment_form_issued_it_for_that_order(
    client: httpx.Client, shop: DemoShop
) -> None:
    summary = to_details(client, shop)[-1]
    summary = submit(client, summary, "coordonnees", **PERSONAL)
    payment = submit(client, summary, "recapitulatif", action="payer")
    forged = submit(client, payment, "paiement", paiement="p-forged", paiement_valide="1")
    assert "<h1>Paiement</h1>" in forged.text  # neither a made-up reference nor the flag pays
    order_id = shop.only_order()["id"]
    with httpx.Client(base_url=shop.widget_url, timeout=10) as widget:
        refused = widget.post("/widget/api/paiement", data={"s": order_id, "iban": "FR76 1"})
        assert refused.json() == {"ok": False, "errors": {"iban": "IBAN invalide"}}
        issued = widget.post("/widget/api/paiement", data={"s": order_id, "iban": IBAN})
    ref = issued.json()["ref"]
    submit(client, forged, "paiement", paiement=ref)
    assert shop.only_order()["status"] == "paid"
