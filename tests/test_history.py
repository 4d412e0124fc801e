"""`preflight.go_back` / `go_forward` for hand-written tests: on both engines, with the
back/forward cache on and off, on the demo shop's multi-page, Preact and React flows — the
shop's own truth must have seen the Back and the Forward."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

import preflight
from preflight.demo_shop import DemoShop
from preflight.errors import BrowserError
from preflight.watch import Watcher


def _moves(orders: list[dict[str, Any]]) -> list[str]:
    return [e["kind"] for o in orders for e in o["events"] if e["kind"] in ("back", "forward")]


def _on_eligibility(page: Page, shop: DemoShop, mode: str) -> None:
    page.goto(shop.link("fibre", mode=mode))  # type: ignore[arg-type]
    page.wait_for_selector("#tester-eligibilite")
    page.locator("#tester-eligibilite").click()
    page.wait_for_selector("#adresse")


@pytest.mark.parametrize("bfcache", [False, True], ids=["bfcache-off", "bfcache-on"])
@pytest.mark.parametrize("mode", ["mpa", "spa", "react"])
def test_go_back_and_go_forward_move_in_history_as_the_shop_records_it(
    mode: str, bfcache: bool, browser: Browser, bfcache_browser: Browser, shop: DemoShop
) -> None:
    context = (bfcache_browser if bfcache else browser).new_context()
    watcher = Watcher(shop.rules())  # what the preflight_watch fixture attaches
    watcher.attach(context)
    try:
        page = context.new_page()
        _on_eligibility(page, shop, mode)
        preflight.go_back(page)
        watcher.settle()  # as the replayer does after each move, before the next action
        assert shop.wait_for_orders(lambda o: _moves(o) == ["back"], timeout=15)
        assert "/offre/fibre" in page.evaluate("location.pathname")
        preflight.go_forward(page)
        # A page shown again from the HTTP cache reaches the shop only by its `pageshow` beacon,
        # which may come late: 5 s were not enough once in a full run (Chromium, mpa, cache off).
        orders = shop.wait_for_orders(lambda o: _moves(o) == ["back", "forward"], timeout=15)
        assert [o["ended_by"] for o in orders] == ["back"]
        assert "/eligibilite" in page.evaluate("location.pathname")
        watcher.settle()
        outcome = watcher.outcome()
        assert outcome.verdict == "lost"
        assert [v.kind for v in outcome.violations] == ["back", "forward"], outcome.violations
    finally:
        watcher.detach()
        context.close()


def test_go_forward_with_nowhere_to_go_is_a_browser_error_naming_the_page(
    browser: Browser, shop: DemoShop
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(shop.acn_url + "/acn/boutique")
        with pytest.raises(BrowserError, match=r"forward: nothing happened within 1 s"):
            preflight.go_forward(page, timeout=1)
    finally:
        context.close()
