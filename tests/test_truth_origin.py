"""The demo shop's truth — the oracle of every test — answers the tests, never a page of another
origin. Issue 13: `fetch(".../__truth/reset", {method: "POST", mode: "no-cors"})` from a page on
another port emptied it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from preflight.demo_shop import DemoShop


@pytest.fixture
def other_origin() -> Iterator[DemoShop]:
    """Another server on another port: its pages are another origin (and another site for
    `localhost`) than the shop under test."""
    with DemoShop(port=0) as other:
        yield other


@pytest.fixture
def page_elsewhere(browser: Browser, other_origin: DemoShop) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{other_origin.acn_url}/acn/boutique")
    yield page
    context.close()


def _an_order(browser: Browser, shop: DemoShop) -> None:
    context = browser.new_context()
    context.new_page().goto(shop.link())
    context.close()
    shop.wait_for_orders(lambda orders: len(orders) == 1)


def test_another_origins_page_cannot_reset_or_read_the_truth(
    browser: Browser, shop: DemoShop, page_elsewhere: Page
) -> None:
    _an_order(browser, shop)
    statuses = page_elsewhere.evaluate(
        """async (targets) => {
            const out = [];
            for (const base of targets) {
                await fetch(base + "/__truth/reset", {method: "POST", mode: "no-cors"});
                await fetch(base + "/__truth/reset", {method: "POST", mode: "no-cors",
                    headers: {"Content-Type": "text/plain"}, body: "x"});
                await navigator.sendBeacon(base + "/__truth/reset");
                try {
                    const r = await fetch(base + "/__truth/orders");
                    out.push(r.status);
                } catch (error) { out.push("blocked"); }  // CORS: unreadable anyway
            }
            return out;
        }""",
        [shop.acn_url, shop.sfr_url],
    )
    assert all(status in (403, "blocked") for status in statuses), statuses
    # A beacon is sent after the call returns: give it the time a test would.
    page_elsewhere.wait_for_timeout(500)
    assert len(shop.orders()) == 1, "a page of another origin reset the truth"


def test_a_form_posted_from_another_origin_is_refused(
    browser: Browser, shop: DemoShop, page_elsewhere: Page
) -> None:
    _an_order(browser, shop)
    with page_elsewhere.expect_navigation():
        page_elsewhere.evaluate(
            """(action) => {
                const form = document.createElement("form");
                form.method = "POST";
                form.action = action;
                document.body.append(form);
                form.submit();
            }""",
            f"{shop.sfr_url}/__truth/reset",
        )
    assert "refused" in page_elsewhere.content()
    assert len(shop.orders()) == 1


def test_the_tests_still_read_and_reset_the_truth_over_http(
    browser: Browser, shop: DemoShop
) -> None:
    _an_order(browser, shop)
    assert len(httpx.get(f"{shop.sfr_url}/__truth/orders").json()) == 1
    assert httpx.post(f"{shop.acn_url}/__truth/reset").status_code == 403
    reset = httpx.post(f"{shop.acn_url}/__truth/reset", headers=shop.truth_headers)
    assert reset.status_code == 204
    assert shop.orders() == []


def test_a_page_of_the_shop_itself_reads_the_truth(browser: Browser, shop: DemoShop) -> None:
    # Typed into the address bar (Sec-Fetch-Site: none) as `preflight serve` suggests.
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{shop.sfr_url}/__truth/orders")
    assert response is not None and response.status == 200
    context.close()
