"""A page's own script cannot crash or fool the watcher (issue #13, item 5).

Each attack is a script of the page's own: the demo shop's eligibility page is served with one
more `<script>` at the top of its `<head>` (a test route), so it runs after preflight's probe and
before the shop's scripts, as a site's own library would. The real `run_order` watches the
order on both engines (back/forward cache on, as for a customer) and must end with a report and
the verdict the shop's truth agrees with.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect

from preflight.demo_shop import DemoShop
from preflight.order import OrderResult, SellerPages, run_order
from preflight.watch import Watcher


def _with_script(script: str) -> Callable[[Route], None]:
    """A route handler serving the page with `script` first in its head."""

    def inject(route: Route) -> None:
        response = route.fetch()
        body = response.text().replace("<head>", f"<head><script>{script}</script>", 1)
        route.fulfill(response=response, body=body)

    return inject


def _served_with(page: Page, script: str) -> None:
    """Serve the shop's eligibility page with `script` first in its head."""
    page.route("**/sfr/eligibilite?*", _with_script(script))


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


# What the page writes as the probe's channel (a console line with its mark, watch/_scripts.py).
SAY = "const say = (m) => console.debug('__preflightReport:' + JSON.stringify(m));"

BAD_MESSAGES = f"""
  {SAY}
  const report = (bad) => {{ say(bad); say({{body: JSON.stringify(bad), mac: '0'.repeat(64)}}); }};
  for (const bad of [
    {{doc: 'zz', n: 'abc', type: 'doc'}},
    {{doc: 'zz', n: 1e300, type: 'doc'}},
    {{doc: 'zz', n: 2, type: 'doc', stamp: 'soon', fresh: 'yes'}},
    {{doc: 'zz', n: 3, type: 'cs_click', how: {{toString: 1}}}},
    {{doc: 'zz', n: 4, type: 'confirmation', number: 12}},
    {{doc: 'x'.repeat(5000), n: 5, type: 'navigate'}},
    {{type: 'no-such-type'}},
    null, 42, 'doc', [1, 2, 3],
  ]) {{
    try {{ const p = report(bad); if (p && p.catch) p.catch(() => {{}}); }} catch (e) {{}}
  }}
  window.__preflight.send('doc', {{stamp: 'x', fresh: 5, probe: 'sideways'}});
"""

# Issue #25, item 3: what a page's script can make the probe say in a loop — its own history
# moves (100 pushState, a hash moved 90 times: both browsers refuse more than 200 such calls in
# 10 s) and an eligibility error shown and hidden 60 times — costs a few messages a second, and
# at most 5 support bundles.
FLOOD = """
  addEventListener('DOMContentLoaded', () => {
    const home = location.href, path = location.pathname;
    for (let i = 0; i < 100; i++) history.pushState(null, '', path + '?flood=' + i);
    for (let i = 0; i < 90; i++) location.hash = 'h' + i;
    history.replaceState(history.state, '', home);
    const error = document.createElement('p');
    error.dataset.testid = 'eligibility-error';
    error.textContent = 'Adresse non éligible';
    let shown = 0;
    const timer = setInterval(() => {
      if (error.isConnected) error.remove(); else document.body.append(error);
      if (++shown >= 120) { clearInterval(timer); error.remove(); window.__flooded = true; }
    }, 5);
  });
"""


def test_malformed_messages_from_the_page_are_dropped_and_the_order_is_judged(
    playwright: Playwright,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, FLOOD + BAD_MESSAGES)
        _to_eligibility(page)
        page.wait_for_function("() => window.__flooded === true", timeout=10_000)
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
    # The flood: coalesced by the probe, a few events and at most 5 support bundles.
    events = (result.folder / "events.jsonl").read_text().splitlines()
    assert len(events) < 80, len(events)
    attempts = json.loads((result.folder / "support" / "support.json").read_text())["attempts"]
    assert 1 <= len(attempts) <= 5, len(attempts)
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


FORGED_CONFIRMATION = f"""
  {SAY}
  const forged = {{doc: 'forged', n: 1, type: 'confirmation', number: 'SFR-999999',
                  order_type: 'Fibre', date: '01/12/2026',
                  url: location.origin + '/sfr/confirmation?t=forged'}};
  say(forged);
  say({{body: JSON.stringify(forged), mac: '0'.repeat(64)}});
  window.__preflight.send('confirmation', {{number: 'SFR-999998', order_type: 'Fibre'}});
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


# --- issue #25: a page's word is never enough for a verdict -----------------------------------

# Items 1: the page moves its own URL to the confirmation page, draws the number there, and
# moves it back 300 ms later; Playwright sees a same-document URL change, no document loaded.
FORGED_BY_URL = """
  addEventListener('DOMContentLoaded', () => {
    const back = location.href;
    history.replaceState(history.state, '', '/sfr/confirmation?t=forged');
    for (const [id, text] of [['order-number', 'SFR-424242'], ['order-type', 'Fibre'],
                              ['order-date', '07/12/2026']]) {
      const el = document.createElement('p');
      el.dataset.testid = id;
      el.textContent = text;
      el.className = 'forged';
      document.body.append(el);
    }
    setTimeout(() => {
      history.replaceState(history.state, '', back);
      for (const el of document.querySelectorAll('.forged')) el.remove();
    }, 300);
  });
"""


def test_a_confirmation_forged_by_moving_the_url_is_dropped_and_the_real_order_watched(
    playwright: Playwright, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, FORGED_BY_URL)
        _to_eligibility(page)
        page.wait_for_timeout(400)  # the URL is back
        watcher.settle()
        assert not watcher.confirmed
        _finish(page)  # the real order, after the forgery: watched to its confirmation

    result = _order(playwright, browser_name, shop, tmp_path, drive=drive)

    order = shop.orders()[-1]
    assert result.ended == "confirmation", result
    assert result.outcome.order is not None and result.outcome.order.number == order["number"]
    assert "SFR-424242" not in (result.folder / "report.json").read_text()
    _assert_report_written(result, "attributed")


# Items 2 and 5: « Commander plus tard » and a customer-service click said through the probe's
# channel (a console line with its mark) by the page and by a frame from another origin (an ad,
# a widget), with every field a probe message has — the per-document key's signature excepted.
FORGE = f"""
  {SAY}
  const forge = (type, extra) => {{
    const msg = {{type, doc: 'x' + type, n: 1, url: location.href, top: true, ...extra}};
    say(msg);
    say({{body: JSON.stringify(msg), mac: '0'.repeat(64)}});
  }};
  forge('order_later', {{label: 'Commander plus tard'}});
  forge('cs_click', {{how: 'selector', match: '#etre-rappele', label: 'Être rappelé'}});
  try {{ window.__preflight.send('order_later', {{label: 'Commander plus tard'}}); }} catch (e) {{}}
"""
FORGING_FRAME = f"""<!doctype html><script>{FORGE}
  parent.postMessage('forged', '*');</script>"""
FORGED_ON_THE_PAGE = f"""{FORGE}
  addEventListener('message', (e) => {{ if (e.data === 'forged') window.__framesForged = true; }});
  addEventListener('DOMContentLoaded', () => {{
    const frame = document.createElement('iframe');
    frame.src = 'http://ads.invalid/banner';
    document.body.append(frame);
  }});
"""


def test_order_later_and_customer_service_forged_by_the_page_or_a_frame_are_dropped(
    playwright: Playwright,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        page.route(
            "http://ads.invalid/**",
            lambda route: route.fulfill(body=FORGING_FRAME, content_type="text/html"),
        )
        _served_with(page, FORGED_ON_THE_PAGE)
        _to_eligibility(page)
        page.wait_for_function("() => window.__framesForged === true", timeout=5000)
        watcher.settle()
        page.fill("#adresse", "12 rue de la Paix, 75002 Paris")
        page.click("#tester")
        page.click("#continuer")
        page.fill("#nom", "Camille Martin")
        page.fill("#telephone", "0612345678")
        page.locator("#email").press_sequentially("camille@example.fr")  # bound to `change`
        page.click("#valider")
        page.click("#payer-maintenant")  # paid on the spot: not « Commander plus tard »
        page.locator("#paiement").wait_for()
        watcher.settle()
        page.close()

    result = _order(playwright, browser_name, shop, tmp_path, drive=drive)

    assert shop.orders()[-1]["attributed"] is True  # no customer service: the shop kept it
    outcome = result.outcome
    assert outcome.violations == [], outcome.violations
    assert [w.kind for w in outcome.warnings] == ["payment_without_order_later"], outcome
    assert outcome.verdict == "at_risk"
    dropped = [r for r in caplog.records if "not signed by preflight's probe" in r.getMessage()]
    assert len(dropped) >= 4 and all(r.levelname == "DEBUG" for r in dropped), dropped
    assert not any("Commander" in r.getMessage() for r in dropped)


# Item 6: after the session is lost, the page removes preflight's panel and draws a green one of
# its own; it also tries to fold preflight's through its binding, from the page and a frame.
FAKE_PANEL = """
  const fold = () => {
    try { const p = window.__preflightPanel({folded: true}); if (p && p.catch) p.catch(() => {}); }
    catch (e) {}
  };
  fold();
  addEventListener('load', () => {
    setTimeout(() => {
      fold();
      for (const el of document.querySelectorAll('preflight-panel')) el.remove();
      const fake = document.createElement('div');
      fake.id = 'fake-panel';
      fake.textContent = 'Session ACN intacte';
      fake.style.cssText = 'position:fixed;left:8px;bottom:8px;background:#0a5;color:#fff';
      document.documentElement.append(fake);
      const frame = document.createElement('iframe');
      frame.srcdoc = '<script>try { __preflightPanel({folded: true}); } catch (e) {}</' + 'script>';
      document.body.append(frame);
      window.__panelGone = true;
    }, 300);
  });
"""


def test_the_live_panel_comes_back_when_the_page_removes_it_and_no_page_can_fold_it(
    bfcache_browser: Browser, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, FAKE_PANEL)
        panel = page.locator("preflight-panel")
        _to_eligibility(page)
        page.click("h1")  # a trusted click first: the reload is the customer's
        page.reload()
        page.wait_for_function("() => window.__panelGone === true")
        expect(page.locator("#fake-panel")).to_have_count(1)
        expect(panel).to_have_count(1)
        expect(panel).to_have_attribute("data-state", "lost", timeout=2000)
        expect(panel).to_have_attribute("data-folded", "false")
        page.close()

    with SellerPages(shop.rules(), "fr", start=False, on_end=lambda _page: None) as pages:
        result = run_order(
            shop.link(offer="fibre", mode="mpa"),
            shop.rules(),
            browser=browser_name,
            headless=True,
            report_dir=tmp_path / "report",
            drive=drive,
            launched=bfcache_browser,
            pages=pages,
        )
        assert pages.panel is not None and pages.panel.folded is False

    assert [v.kind for v in result.outcome.violations] == ["reload"]
    assert re.search("lost", result.outcome.verdict)


# --- issue #25, item 3: nothing holds a watch or a replay past its time limit ----------------

# The page's own script takes its thread for good once the customer is on the page: it answers
# no `evaluate`, no click, no screenshot. Before: a replay and an order waited on it forever.
SPIN = "setTimeout(() => { for (;;) {} }, 1500);"
TO_SPINNING_PAGE = """\
name: spinning-page
steps:
  - goto: /acn/go/fibre?ei=EI-0001&mode=mpa
  - click: "text=Tester mon éligibilité"
  - wait_for: {selector: "#never-there", timeout_s: 60}
expect: {verdict: attributed}
"""


def test_a_page_that_spins_cannot_hold_a_replay_past_its_time_limit(
    browser: Browser, shop: DemoShop
) -> None:
    from preflight.scenario import loads
    from preflight.scenario._replay import replay_scenario

    [scenario] = loads(TO_SPINNING_PAGE, file="spin.yaml")
    context = browser.new_context()
    # Spinning at once: whichever step meets it, the scenario's limit is what ends it.
    context.route("**/sfr/eligibilite?*", _with_script(SPIN.replace("1500", "300")))
    started = time.monotonic()
    try:
        result = replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            browser=browser.browser_type.name,
            scenario_timeout_s=5,
        )
        took = time.monotonic() - started
        assert all(page.is_closed() for page in context.pages), "the spinning page was left open"
    finally:
        context.close()

    assert took < 5 + 15, took  # the limit, the last question's own, closing the page
    assert result.failure is not None, result
    assert "cut short: the scenario's time limit (5 s)" in result.failure.message, result.failure
    assert not result.passed and not result.ran_through


def test_a_page_that_spins_cannot_hold_an_order_past_its_timeout(
    bfcache_browser: Browser, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        _served_with(page, SPIN)
        _to_eligibility(page)

    started = time.monotonic()
    result = run_order(
        shop.link(offer="fibre", mode="mpa"),
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        launched=bfcache_browser,
        timeout=2,
    )
    took = time.monotonic() - started

    assert took < 2 + 20, took  # the time limit, the last questions' own, the report
    assert result.ended == "timeout" and result.exit_code == 4  # « non passée »
    _assert_report_written(result, "attributed")  # nothing went wrong before it stopped


def test_the_watcher_handles_at_most_its_cap_of_guard_messages_from_a_page_in_a_second() -> None:
    """The watcher's own cap, behind the probe's coalescing: 500 guard answers (issue #25: a
    page made 20,000, and 20,004 fsynced events) within a second become 50 events."""
    from preflight.rules import load_rules
    from preflight.watch._messages import parse_message
    from preflight.watch._pages import _PageState
    from preflight.watch._probe import FLOOD_PER_S, ProbeMessages

    emitted: list[str] = []
    probe = ProbeMessages(
        load_rules("demo", variables={"DEMO_PORT": "8000"}),
        True,
        lambda kind, *args, **kwargs: emitted.append(kind),  # type: ignore[arg-type]
        lambda *args: None,
    )
    state = _PageState(index=1, page=None)  # type: ignore[arg-type]
    for n in range(1, 501):
        msg = parse_message({"doc": "d", "n": n, "type": "guard", "action": "key"}, via="test")
        assert msg is not None
        probe.handle(state, msg, via="test")

    assert emitted.count("guard") == FLOOD_PER_S == 50
