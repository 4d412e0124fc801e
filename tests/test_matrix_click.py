"""The matrix clicks each customer-service element as a person does, on both engines: a `tel:`
link included, whose hand-over to a phone app over WebDriver BiDi starts a navigation that never
finishes (Playwright 1.64.1, Firefox ESR 153): every later action of the page waited for it, and
timed out. A replay's context cancels that hand-over (`NO_EXTERNAL_APPS`); the page stays
drivable."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from preflight.demo_shop import DemoShop
from preflight.matrix._observe import click_element, find_elements
from preflight.scenario._forms import fill_control
from preflight.scenario._replay import NO_EXTERNAL_APPS
from preflight.watch import Watcher


@pytest.mark.parametrize("mode", ["mpa", "react"])
def test_a_tel_link_found_by_the_matrix_is_clicked_and_ends_the_session(
    mode: str, browser: Browser, shop: DemoShop
) -> None:
    context = browser.new_context()
    watcher = Watcher(shop.rules())
    watcher.attach(context)
    context.add_init_script(NO_EXTERNAL_APPS)  # as replay_scenario, which runs each cell
    try:
        page = context.new_page()
        page.goto(f"{shop.acn_url}/acn/boutique?mode={mode}")
        page.get_by_role("link", name="Commander la Fibre").click()
        page.locator("#tester-eligibilite").click()
        page.wait_for_selector("#adresse")
        watcher.settle()
        elements = find_elements(page, shop.rules())
        tel = [e for e in elements if "1023" in e.label or e.how == "tel"]
        assert len(tel) == 1, elements

        click_element(context, tel[0])

        orders = shop.wait_for_orders(lambda o: o and o[-1]["ended_by"] is not None)
        assert (orders[-1]["ended_by"], orders[-1]["ended_at"]) == (
            "customer_service",
            "eligibilite",
        )
        watcher.settle()
        kinds = [v.kind for v in watcher.outcome().violations]
        assert kinds == ["customer_service"], kinds
        # The page stays, and the next step is not held by a navigation that never ends.
        address = page.locator("#adresse")
        fill_control(address, "INPUT", "12 rue de la Paix 75002 Paris", browser.browser_type.name)
        page.click("#tester", timeout=5000)
        page.wait_for_selector("#resultat", timeout=5000)
    finally:
        watcher.detach()
        context.close()
