"""The demo shop in real browsers (both engines, all three shop modes): what the truth records for
an order that goes through, and for each action that ends the ACN session.

Back is a trusted click (a script `history.back()` without user activation is ignored by both
engines) followed by `history.back()`. With the back/forward cache on, Firefox over WebDriver
BiDi restores the page without telling Playwright, whose waits then hang on it: after a Back
these tests read the shop's truth, never the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from preflight.demo_shop import CHANGE_BOUND, DemoShop

ADDRESS = "12 rue de la Paix, 75002 Paris"
MODES = ["mpa", "spa", "react"]
PREFIXES = {"mpa": "sfr", "spa": "app", "react": "react"}


def fill(page: Page, selector: str, value: str, mode: str) -> None:
    """Type `value` in a field as a person does. React's controlled inputs need real key input
    on stock Firefox (over WebDriver BiDi, Playwright's fill() is invisible to React: see
    preflight.scenario._forms.fill_control); the other modes take Playwright's fill()."""
    field = page.locator(selector)
    field.fill("")
    if (mode == "react" or selector in CHANGE_BOUND) and value:
        field.press_sequentially(value)
    else:
        field.fill(value)


def give_details(page: Page, mode: str, phone: str = "06 12 34 56 78") -> None:
    fill(page, "#nom", "Jeanne Martin", mode)
    fill(page, "#telephone", phone, mode)
    fill(page, "#email", "jeanne.martin@example.org", mode)
    if mode == "react":  # its form also asks for these, and refuses to go on without them
        page.select_option("#civilite", "mme")
        page.check("#cgv")


def only(orders: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(orders) == 1, orders
    return orders[0]


def ended(shop: DemoShop, cause: str) -> dict[str, Any]:
    """Wait until the one order has ended with `cause`; the order."""
    orders = shop.wait_for_orders(lambda o: len(o) == 1 and o[0]["ended_by"] is not None)
    order = only(orders)
    assert order["attributed"] is False
    assert order["ended_by"] == cause, order
    return order


def from_the_boutique(page: Page, shop: DemoShop, mode: str) -> None:
    """The EI's way in: the ACN boutique, then the order link."""
    page.goto(f"{shop.acn_url}/acn/boutique?mode={mode}")
    expect(page).to_have_title("Boutique en ligne ACN")
    page.get_by_role("link", name="Commander la Fibre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Box Fibre SFR")
    prefix = PREFIXES[mode]
    assert page.url.startswith(f"{shop.sfr_url}/{prefix}/offre/fibre?acn=acn-")


def to_eligibility(page: Page, shop: DemoShop, mode: str) -> None:
    from_the_boutique(page, shop, mode)
    page.get_by_text("Tester mon éligibilité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test d'éligibilité")


def to_details(page: Page, shop: DemoShop, mode: str) -> None:
    to_eligibility(page, shop, mode)
    fill(page, "#adresse", ADDRESS, mode)
    page.click("#tester")
    expect(page.locator("#resultat")).to_have_text("Éligible à la Fibre")
    page.click("#continuer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos coordonnées")


# The shop's truth for a click or a same-page move is the same code on both engines: each shop
# once, the engines crossed with them (every shop on both engines was six runs; #22). Its flows
# and its history moves run on every engine.
EACH_SHOP_ONCE = pytest.mark.engine_of(
    "mode", {"mpa": "chromium", "spa": "firefox", "react": "firefox"}
)


# A whole flow without a history move: the multi-page shop on both engines, the single-page
# ones crossed with them; the scenario library replays each shop's flows on both engines
# against this same truth (its oracle), so every shop and engine still meets every flow (#22).
FLOW_CROSSED = pytest.mark.engine_of(
    "mode", {"mpa": ("chromium", "firefox"), "spa": "chromium", "react": "firefox"}
)


@pytest.fixture
def bfcache_context(bfcache_browser: Browser) -> Iterator[BrowserContext]:
    context = bfcache_browser.new_context()
    yield context
    context.close()


@FLOW_CROSSED
@pytest.mark.parametrize("mode", MODES)
def test_acn_link_to_confirmation_is_attributed(page: Page, shop: DemoShop, mode: str) -> None:
    to_details(page, shop, mode)
    give_details(page, mode)
    page.click("#valider")
    expect(page.get_by_role("heading", level=1)).to_have_text("Récapitulatif")
    page.click("#commander-plus-tard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commande enregistrée")
    expect(page.get_by_text("Le panier a été envoyé au client par e-mail")).to_be_visible()

    order = only(shop.wait_for_orders(lambda o: o and o[0]["status"] != "in_progress"))
    assert (order["attributed"], order["ended_by"], order["status"]) == (
        True,
        None,
        "saved_for_later",
    )
    assert order["mode"] == mode
    expect(page.get_by_test_id("order-number")).to_have_text(order["number"])
    expect(page.get_by_test_id("order-type")).to_have_text("Fibre")
    expect(page.get_by_test_id("order-date")).to_have_text(order["placed_on"])


@FLOW_CROSSED
@pytest.mark.parametrize("mode", MODES)
def test_payment_path_with_a_bad_iban_then_a_good_one_is_paid_and_attributed(
    page: Page, shop: DemoShop, mode: str
) -> None:
    to_details(page, shop, mode)
    give_details(page, mode, phone="+33 6 12 34 56 78")
    page.click("#valider")
    page.click("#payer-maintenant")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement")
    # The bank details are typed in the payment provider's frame, from the third origin.
    payment = page.frame_locator("iframe#paiement")
    payment.locator("#iban").fill("FR76 1234 5678 9012 3456 7890 123")
    payment.locator("#payer").click()
    expect(payment.locator("#iban-error")).to_have_text("IBAN invalide")
    expect(payment.locator("#iban")).to_have_value("")  # nothing typed is kept
    assert shop.orders()[0]["status"] == "in_progress"

    payment.locator("#iban").fill("FR76 3000 6000 0112 3456 7890 189")
    payment.locator("#payer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Commande confirmée")
    order = only(shop.wait_for_orders(lambda o: o and o[0]["status"] == "paid"))
    assert order["attributed"] is True and order["ended_by"] is None
    prefix = PREFIXES[mode]
    assert page.url.startswith(f"{shop.sfr_url}/{prefix}/confirmation?t=")


@EACH_SHOP_ONCE
@pytest.mark.parametrize("mode", MODES)
def test_validation_errors_in_the_browser_keep_the_session(
    page: Page, shop: DemoShop, mode: str
) -> None:
    to_eligibility(page, shop, mode)
    page.click("#tester")
    expect(page.locator(".field-error")).to_have_text("Veuillez saisir une adresse")
    fill(page, "#adresse", "Zone blanche, 12000 Rodez", mode)
    page.click("#tester")
    expect(page.get_by_test_id("eligibility-error")).to_have_text(
        "Votre adresse n'est pas éligible à cette offre."
    )
    expect(page.locator("#adresse")).to_have_value("Zone blanche, 12000 Rodez")
    fill(page, "#adresse", ADDRESS, mode)
    page.click("#tester")
    expect(page.locator("#resultat")).to_have_text("Éligible à la Fibre")

    order = only(shop.orders())
    assert order["attributed"] is True and order["ended_by"] is None


@pytest.mark.parametrize("mode", MODES)
def test_refresh_on_the_eligibility_page_ends_the_session(
    page: Page, shop: DemoShop, mode: str
) -> None:
    to_eligibility(page, shop, mode)
    shop.wait_for_orders(lambda o: o[0]["step"] == "eligibilite")

    page.reload()

    expect(page.get_by_role("heading", level=1)).to_have_text("Test d'éligibilité")
    assert ended(shop, "reload")["ended_at"] == "eligibilite"


def go_back(page: Page) -> None:
    # A trusted click first: without user activation both engines ignore history.back().
    page.get_by_role("heading", level=1).click()
    # From a task of the page's own: an MPA traversal may otherwise destroy the context before
    # the evaluate returns.
    page.evaluate("setTimeout(() => history.back(), 0)")


@pytest.mark.parametrize("mode", MODES)
def test_back_from_the_details_page_ends_the_session_and_a_forward_is_recorded_after_it(
    page: Page, shop: DemoShop, mode: str, browser_name: str
) -> None:
    to_details(page, shop, mode)
    go_back(page)
    order = ended(shop, "back")
    assert order["ended_at"] == "eligibilite"
    expect(page.locator("#resultat")).to_have_text("Éligible à la Fibre")
    back = next(e for e in order["events"] if e["kind"] == "back")
    print(f"{browser_name} {mode} back with bfcache off: seen via {back['via']}")

    page.get_by_role("heading", level=1).click()
    page.evaluate("setTimeout(() => history.forward(), 0)")

    orders = shop.wait_for_orders(lambda o: any(e["kind"] == "forward" for e in o[0]["events"]))
    order = only(orders)
    assert order["ended_by"] == "back"  # the first ending stays the cause
    assert [e["step"] for e in order["events"] if e["kind"] == "forward"] == ["coordonnees"]


@pytest.mark.parametrize("mode", MODES)
def test_back_with_the_bfcache_on_ends_the_session(
    bfcache_context: BrowserContext, shop: DemoShop, mode: str, browser_name: str
) -> None:
    page = bfcache_context.new_page()
    to_details(page, shop, mode)

    go_back(page)

    order = ended(shop, "back")
    assert order["ended_at"] == "eligibilite"
    back = next(e for e in order["events"] if e["kind"] == "back")
    # What each engine did (see the report): restored from the bfcache, or reloaded.
    print(f"{browser_name} {mode} back with bfcache on: seen via {back['via']}")


@EACH_SHOP_ONCE
@pytest.mark.parametrize("mode", MODES)
def test_etre_rappele_ends_the_session(page: Page, shop: DemoShop, mode: str) -> None:
    to_details(page, shop, mode)

    page.get_by_role("button", name="Être rappelé").click()

    expect(page.get_by_text("Un conseiller vous rappellera")).to_be_visible()
    order = ended(shop, "customer_service")
    assert order["ended_at"] == "coordonnees"


@EACH_SHOP_ONCE
@pytest.mark.parametrize("mode", MODES)
def test_the_1023_link_ends_the_session_and_leaves_the_page_in_place(
    page: Page, shop: DemoShop, mode: str
) -> None:
    to_eligibility(page, shop, mode)

    # A trusted click at the link's place: over BiDi, Playwright's own click waits for the
    # tel: navigation, which never finishes (measured with Playwright 1.64.1, Firefox ESR 153).
    box = page.get_by_role("link", name="1023").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    assert ended(shop, "customer_service")["ended_at"] == "eligibilite"
    assert page.evaluate("document.querySelector('h1').textContent") == "Test d'éligibilité"


def test_the_app_keeps_foreign_keys_in_history_state(page: Page, shop: DemoShop) -> None:
    to_eligibility(page, shop, "spa")
    # What a watcher does: stamp the entry with its own key, next to the app's.
    page.evaluate("history.replaceState({...history.state, watcher: {seq: 7}}, '')")

    page.click("#tester")  # empty address: answered in place, the entry's token replaced
    expect(page.locator(".field-error")).to_have_text("Veuillez saisir une adresse")

    state = page.evaluate("history.state")
    assert state["watcher"] == {"seq": 7}
    assert state["step"] == "eligibilite" and page.url.endswith(state["t"])
    page.fill("#adresse", ADDRESS)
    page.click("#tester")
    expect(page.locator("#resultat")).to_have_text("Éligible à la Fibre")
    assert only(shop.orders())["attributed"] is True


def test_the_react_router_owns_history_state_and_keeps_foreign_keys(
    page: Page, shop: DemoShop
) -> None:
    to_eligibility(page, shop, "react")
    state = page.evaluate("history.state")
    # react-router's own entry ({usr, key, idx}); the app's {step, t} is the router's state.
    assert {"usr", "key", "idx"} <= set(state), state
    assert state["usr"]["step"] == "eligibilite" and page.url.endswith(state["usr"]["t"])
    page.evaluate("history.replaceState({...history.state, watcher: {seq: 7}}, '')")

    page.click("#tester")  # empty address: refused by React itself, nothing sent
    expect(page.locator(".field-error")).to_have_text("Veuillez saisir une adresse")
    assert page.evaluate("history.state")["watcher"] == {"seq": 7}
    fill(page, "#adresse", "Zone blanche, 12000 Rodez", "react")
    page.click("#tester")  # answered in place by the server: the entry's token replaced
    expect(page.get_by_test_id("eligibility-error")).to_be_visible()
    state = page.evaluate("history.state")
    assert state["usr"]["step"] == "eligibilite" and page.url.endswith(state["usr"]["t"])
    fill(page, "#adresse", ADDRESS, "react")
    page.click("#tester")
    expect(page.locator("#resultat")).to_have_text("Éligible à la Fibre")
    order = only(shop.orders())
    assert order["attributed"] is True and order["mode"] == "react"


@EACH_SHOP_ONCE
@pytest.mark.parametrize("mode", MODES)
def test_the_chat_bubble_opens_a_popup_and_ends_the_session(
    page: Page, shop: DemoShop, mode: str
) -> None:
    to_eligibility(page, shop, mode)

    with page.expect_popup() as popup:
        page.get_by_role("button", name="Chat").click()

    expect(popup.value.get_by_role("heading", level=1)).to_have_text("Chat")
    assert ended(shop, "customer_service")["ended_at"] == "eligibilite"


@EACH_SHOP_ONCE
@pytest.mark.parametrize("mode", MODES)
def test_conditions_anchor_and_legal_notice_tab_keep_the_session(
    page: Page, shop: DemoShop, mode: str
) -> None:
    to_eligibility(page, shop, mode)

    page.get_by_role("link", name="Voir les conditions").click()
    assert page.url.endswith("#conditions")
    with page.expect_popup() as legal:
        page.get_by_role("link", name="Mentions légales").click()
    expect(legal.value.get_by_role("heading", level=1)).to_have_text("Mentions légales")
    fill(page, "#adresse", ADDRESS, mode)
    page.click("#tester")
    expect(page.locator("#resultat")).to_have_text("Éligible à la Fibre")

    order = only(shop.orders())
    assert order["attributed"] is True and order["ended_by"] is None, order


def test_espace_client_login_leaves_cookie_and_storage_to_clean(page: Page, shop: DemoShop) -> None:
    page.goto(f"{shop.sfr_url}/sfr/mon-espace-client/")
    expect(page.get_by_test_id("account-logged-out")).to_be_visible()
    page.fill("#identifiant", "client.test@example.fr")
    page.fill("#mot-de-passe", "demo1234")
    page.click("#se-connecter")

    expect(page.get_by_test_id("account-logged-in")).to_contain_text("Bonjour Client Test")
    expect(page.locator("body")).to_have_attribute("data-storage", "ready")
    login = next(c for c in page.context.cookies() if c["name"] == "sfr_login")
    assert login["expires"] > 0  # persistent, not a session cookie
    assert page.evaluate("localStorage.getItem('sfr_user')") == "client.test@example.fr"
    assert page.evaluate("caches.has('sfr-v1')") is True
    databases = page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    assert "sfr" in databases

    page.click("#se-deconnecter")
    expect(page.get_by_test_id("account-logged-out")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "sfr_login"]
