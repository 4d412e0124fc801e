"""A page's own script cannot crash or fool the watcher (issue #13, item 5).

Each attack is a script of the page's own: the demo shop's eligibility page is served with one
more `<script>` at the top of its `<head>` (a test route), so it runs after preflight's probe and
before the shop's scripts, as a site's own library would. The real `run_order` watches the
order on both engines (back/forward cache on, as for a customer) and must end with a report and
the verdict the shop's truth agrees with.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, Route

from preflight.demo_shop import DemoShop
from preflight.order import OrderResult, run_order
from preflight.watch import Watcher


def _served_with(page: Page, script: str) -> None:
    """Serve the shop's eligibility page with `script` first in its head."""

    def inject(route: Route) -> None:
        response = route.fetch()
        body = response.text().replace("<head>", f"<head><script>{script}</script>", 1)
        route.fulfill(response=response, body=body)

    page.route("**/sfr/eligibilite?*", inject)


def _to_eligibility(page: Page) -> None:
    page.locator("#tester-eligibilite").click()
    page.locator("#adresse").wait_for()


def _finish(page: Page) -> None:
    page.fill("#adresse", "12 rue de la Paix, 75002 Paris")
    page.click("#tester")
    page.click("#continuer")
    page.fill("#nom", "Camille Martin")
    page.fill("#telephone", "0612345678")
    page.locator("#email").press_sequentially("camille@example.fr")  # bound to `change`
    page.click("#valider")
    page.click("#commander-plus-tard")
    page.locator("[data-testid=order-number]").wait_for()


def _order(
    playwright: Playwright, browser_name: str, shop: DemoShop, tmp_path: Path, **options: object
) -> OrderResult:
    return run_order(
        shop.link(offer="fibre", mode="mpa"),
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        playwright=playwright,
        **options,  # type: ignore[arg-type]
    )


def _assert_report_written(result: OrderResult, verdict: str) -> None:
    assert result.html is not None and result.html.is_file()
    saved = json.loads((result.folder / "report.json").read_text())
    assert saved["verdict"] == verdict


BAD_MESSAGES = """
  const report = window.__preflightReport;
  for (const bad of [
    {doc: 'zz', n: 'abc', type: 'doc'},
    {doc: 'zz', n: 1e300, type: 'doc'},
    {doc: 'zz', n: 2, type: 'doc', stamp: 'soon', fresh: 'yes'},
    {doc: 'zz', n: 3, type: 'cs_click', how: {toString: 1}},
    {doc: 'zz', n: 4, type: 'confirmation', number: 12},
    {doc: 'x'.repeat(5000), n: 5, type: 'navigate'},
    {type: 'no-such-type'},
    null, 42, 'doc', [1, 2, 3],
  ]) {
    try { const p = report(bad); if (p && p.catch) p.catch(() => {}); } catch (e) {}
  }
  window.__preflight.send('doc', {stamp: 'x', fresh: 5, probe: 'sideways'});
"""


def test_malformed_messages_from_the_page_are_dropped_and_the_order_is_judged(
    playwright: Playwright,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, BAD_MESSAGES)
        _to_eligibility(page)
        watcher.settle()
        _finish(page)

    result = _order(playwright, browser_name, shop, tmp_path, drive=drive)

    order = shop.orders()[-1]
    assert result.ended == "confirmation", result
    assert result.outcome.verdict == "attributed" and order["attributed"] is True
    assert result.outcome.order is not None and result.outcome.order.number == order["number"]
    _assert_report_written(result, "attributed")
    dropped = [r.getMessage() for r in caplog.records if "dropped a page message" in r.getMessage()]
    assert len(dropped) >= 10, dropped
    # What was wrong is said, never what the page sent.
    assert not any("abc" in line or "x" * 100 in line for line in dropped), dropped


# Old libraries (Prototype.js, MooTools, polyfills) replace array methods with their own; a
# hostile page replaces them with anything.
REDEFINED_BUILTINS = """
  Array.prototype.filter = function () { return 'filtered by the page'; };
  Array.prototype.some = function () { throw new TypeError('no some for you'); };
  Array.prototype.map = function () { return 42; };
  Array.prototype.find = function () { return {innerText: 'Commander plus tard'}; };
  Array.prototype.push = function () { return 0; };
  Object.assign = function (target) { return target; };
  JSON.parse = function () { return 'not json'; };
  Date.now = function () { return NaN; };
  Object.defineProperty(Document.prototype, 'readyState', {get() { return 'soon'; }});
"""


def test_a_page_that_redefines_built_ins_is_still_watched_to_the_right_verdict(
    playwright: Playwright, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, REDEFINED_BUILTINS)
        _to_eligibility(page)
        watcher.settle()
        page.click("h1")  # a trusted click first: a reload then is the customer's
        page.reload()
        shop.wait_for_orders(lambda o: bool(o) and o[-1]["ended_by"] == "reload")
        watcher.settle()
        page.click("#etre-rappele")  # customer service, detected on the hostile page too
        watcher.settle()
        page.close()

    result = _order(playwright, browser_name, shop, tmp_path, drive=drive, guard=False)

    assert shop.orders()[-1]["attributed"] is False
    kinds = [v.kind for v in result.outcome.violations]
    assert kinds[:2] == ["reload", "customer_service"], result.outcome
    _assert_report_written(result, "lost")


FORGED_CONFIRMATION = """
  const report = window.__preflightReport;
  const forged = {doc: 'forged', n: 1, type: 'confirmation', number: 'SFR-999999',
                  order_type: 'Fibre', date: '01/12/2026',
                  url: location.origin + '/sfr/confirmation?t=forged'};
  try { const p = report(forged); if (p && p.catch) p.catch(() => {}); } catch (e) {}
  window.__preflight.send('confirmation', {number: 'SFR-999998', order_type: 'Fibre'});
"""


def test_a_forged_confirmation_does_not_end_the_order_as_attributed(
    playwright: Playwright, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, FORGED_CONFIRMATION)
        _to_eligibility(page)
        watcher.settle()
        page.wait_for_timeout(2500)  # longer than the watch's grace after a confirmation
        page.close()  # the customer gives up: no order was ever placed

    result = _order(playwright, browser_name, shop, tmp_path, drive=drive, grace=0.5)

    assert result.ended == "closed" and result.incomplete
    assert result.outcome.order is None, result.outcome.order
    saved = json.loads((result.folder / "report.json").read_text())
    assert "SFR-99999" not in json.dumps(saved)
    assert result.html is not None and "SFR-99999" not in result.html.read_text()


# Without the guard, nothing can stop a click: a page's own "guard" saying « cancelled » must
# not turn a customer-service click into a kept session.
FORGED_GUARD = """
  try { window.__preflight.guard(() => false); } catch (e) {}
  window.__preflightGuard = {confirmCustomerService: () => false};
"""


def test_a_page_cannot_answer_in_place_of_the_guard(
    playwright: Playwright, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, FORGED_GUARD)
        _to_eligibility(page)
        page.click("#etre-rappele")
        shop.wait_for_orders(lambda o: bool(o) and o[-1]["ended_by"] == "customer_service")
        watcher.settle()
        page.close()

    result = _order(playwright, browser_name, shop, tmp_path, drive=drive, guard=False)

    assert [v.kind for v in result.outcome.violations] == ["customer_service"]
    assert result.outcome.verdict == "lost"
