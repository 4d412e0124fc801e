"""Replaying scenarios on the demo shop, on both engines, with the back/forward cache on and off:
the watcher's verdict must agree with the shop's own truth."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext

from preflight.demo_shop import DemoShop
from preflight.errors import ScenarioError
from preflight.scenario import loads
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import ScenarioResult

TO_ELIGIBILITY = """\
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - click: "text=Tester mon éligibilité"
  - fill: {selector: "#adresse", value: "12 rue de la Paix 75002 Paris"}
  - click: "#tester"
  - expect_text: {text: "Éligible", selector: "#resultat"}
"""

CLEAN = f"""\
name: clean-order
steps:
{TO_ELIGIBILITY}  - click: "#continuer"
  - fill: {{selector: "#nom", value: "Jeanne Client"}}
  - fill: {{selector: "#telephone", value: "06 12 34 56 78"}}
  - fill: {{selector: "#email", value: "jeanne@example.fr"}}
  - click: "#valider"
  - click: "#commander-plus-tard"
  - expect_url: "*/sfr/confirmation*"
expect: {{verdict: attributed, violations: []}}
"""

# Steps after each history move (issue #27): a click, typing and a choice in a list after a
# Back, then after a Forward — with the cache on, on the pages it restores, where Playwright's
# locators hang on Firefox — with CSS, text=, role= and >> selectors (a click on the field's
# label, the form sent by its button's role). On the ACN side's « Confirmation SFR » form,
# before the order: neither move counts there; the shop's answer quotes the number typed
# after the Forward.
AFTER_MOVES = """\
  - goto: /acn/confirmation-sfr?vue=1
  - click: "footer >> text=Confirmation SFR"
  - back
  - click: "form >> text=Numéro de commande"
  - fill: {selector: "#numero-commande", value: "SFR-000041"}
  - select: {selector: "#type-commande", label: "ADSL"}
  - wait_for: {selector: "#type-commande option[value=adsl]:checked", state: attached}
  - wait_for: "#numero-commande:not(:placeholder-shown)"
  - forward
  - fill: {selector: "#numero-commande", value: "SFR-000042"}
  - select: {selector: "#type-commande", value: "mobile"}
  - fill: {selector: "#date-commande", value: "01/12/2026"}
  - click: 'role=button[name="Envoyer"]'
  - expect_text: {text: "SFR-000042 introuvable", selector: "[data-testid=confirmation-error]"}
"""

HISTORY = {
    "back": f"name: back\nsteps:\n{TO_ELIGIBILITY}  - back\n  - expect_url: '*/sfr/eligibilite*'\n"
    "expect: {verdict: lost, violations: [back]}\n",
    "reload": f"name: reload\nsteps:\n{TO_ELIGIBILITY}  - reload\n"
    "  - expect_text: {text: 'Éligible', selector: '#resultat'}\n"
    "expect: {verdict: lost, violations: [reload]}\n",
    "forward": f"name: forward\nsteps:\n{AFTER_MOVES}{TO_ELIGIBILITY}  - back\n  - forward\n"
    "  - expect_text: {text: 'Éligible', selector: '#resultat'}\n"
    "expect: {verdict: lost, violations: [back, forward]}\n",
}


@pytest.fixture
def fresh(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def _replay(context: BrowserContext, shop: DemoShop, text: str, **kwargs: Any) -> ScenarioResult:
    [scenario] = loads(text, file="inline.yaml")
    return replay_scenario(
        context,
        scenario,
        rules=shop.rules(),
        base_url=shop.acn_url,
        variables={"MERCHANT": shop.sfr_url},
        browser=context.browser.browser_type.name if context.browser else "",
        **kwargs,
    )


def test_a_clean_order_replays_to_attributed_as_the_shop_records_it(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    result = _replay(fresh, shop, CLEAN)
    assert result.passed, result.failure
    assert result.verdict == "attributed" and result.violations == []
    truth = shop.only_order()
    assert truth["attributed"] is True and truth["status"] == "saved_for_later"


@pytest.mark.parametrize("bfcache", [False, True], ids=["bfcache-off", "bfcache-on"])
@pytest.mark.parametrize("move", ["back", "reload", "forward"])
def test_history_steps_end_the_session_on_both_engines_with_or_without_bfcache(
    move: str,
    bfcache: bool,
    browser: Browser,
    bfcache_browser: Browser,
    shop: DemoShop,
    caplog: pytest.LogCaptureFixture,
) -> None:
    context = (bfcache_browser if bfcache else browser).new_context()
    try:
        result = _replay(context, shop, HISTORY[move])
    finally:
        context.close()
    assert result.passed, (result.failure, result.timeline)
    # The steps after the moves ran on restored pages with the cache on (each move restores
    # one), on pages loaded again without it.
    moves = [line for line in HISTORY[move].splitlines() if line in ("  - back", "  - forward")]
    restores = caplog.text.count("page restored from the back/forward cache")
    assert restores == (len(moves) if bfcache else 0), caplog.text
    first = "back" if move == "forward" else move
    assert result.violations[0].kind == first
    truth = shop.only_order()
    assert truth["attributed"] is False and truth["ended_by"] == first


def test_a_wrong_expectation_fails_with_what_was_expected_and_what_happened(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    text = HISTORY["reload"].replace(
        "expect: {verdict: lost, violations: [reload]}", "expect: {verdict: attributed}"
    )
    result = _replay(fresh, shop, text)
    assert not result.passed and result.verdict == "lost"
    assert result.failure is not None
    assert result.failure.message == "expected attributed, got lost by [reload]"
    # Every step ran: the expectation is what failed, at the line of `expect:`; the step named
    # is the one during which the reload it did not expect was seen.
    [scenario] = loads(text, file="inline.yaml")
    reload_step = next(i for i, s in enumerate(scenario.steps, 1) if s.action == "reload")
    assert result.failure.action == "expect" and result.failure.step == reload_step
    assert result.failure.line == scenario.expect_line == text.count("\n")
    assert any("reload" in line for line in result.timeline)


def test_a_failing_step_names_its_index_and_line_and_leaves_a_screenshot(
    fresh: BrowserContext, shop: DemoShop, tmp_path: Path
) -> None:
    text = (
        "name: missing-button\nsteps:\n  - goto: /acn/boutique\n"
        "  - click: '#no-such-button'\nexpect: {verdict: attributed}\n"
    )
    result = _replay(fresh, shop, text, artifacts=tmp_path, step_timeout_s=3.0)
    assert not result.passed and result.failure is not None
    assert result.failure.step == 2 and result.failure.action == "click"
    assert result.failure.line == 4
    assert "#no-such-button" in result.failure.message
    assert result.failure.screenshot and Path(result.failure.screenshot).stat().st_size > 0


def test_a_customer_service_click_is_seen_as_the_shop_records_it(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    text = (
        "name: call-back\nsteps:\n"
        + TO_ELIGIBILITY
        + "  - click: '#etre-rappele'\n  - expect_text: 'Un conseiller vous rappellera'\n"
        "expect: {verdict: lost, violations: [customer_service]}\n"
    )
    result = _replay(fresh, shop, text)
    assert result.passed, (result.failure, result.timeline)
    assert shop.only_order()["ended_by"] == "customer_service"


def test_a_placeholder_takes_the_merchant_site_for_a_direct_visit(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    text = (
        "name: direct\nsteps:\n  - goto: ${MERCHANT}/sfr/offre/fibre\n"
        "  - expect_text: 'Tester mon éligibilité'\n"
        "expect: {verdict: lost, violations: [left_session]}\n"
    )
    result = _replay(fresh, shop, text)
    assert result.passed, (result.failure, result.timeline)
    assert shop.only_order()["ended_by"] == "direct"


def test_an_unknown_placeholder_is_a_scenario_error_before_anything_runs(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    with pytest.raises(ScenarioError, match=r"inline.yaml:3 .*\$\{ELSEWHERE\}"):
        _replay(fresh, shop, "name: x\nsteps:\n  - goto: ${ELSEWHERE}/\nexpect: {verdict: lost}\n")
    assert fresh.pages == []


def test_judging_counts_repeated_evidence_of_one_action_once_but_keeps_order() -> None:
    from datetime import UTC, datetime

    from preflight.scenario import judge
    from preflight.watch.events import Outcome, Violation

    def outcome(*kinds: str) -> Outcome:
        at = datetime.now(UTC)
        return Outcome(
            verdict="lost",
            entry_seen=True,
            violations=[
                Violation(kind=k, url="u", at=at, event_seq=i) for i, k in enumerate(kinds)
            ],
        )

    [cs] = loads(
        "name: x\nsteps: [back]\nexpect: {verdict: lost, violations: [customer_service]}\n"
    )
    assert judge(cs, outcome("customer_service", "customer_service")) is None
    [order] = loads("name: y\nsteps: [back]\nexpect: {verdict: lost, violations: [back, reload]}\n")
    assert (
        judge(order, outcome("reload", "back"))
        == "expected lost by [back, reload], got lost by [reload, back]"
    )
    [loose] = loads("name: z\nsteps: [back]\nexpect: {verdict: lost}\n")
    assert judge(loose, outcome("forward")) is None


def test_a_screenshot_step_writes_a_masked_png_into_the_artifacts(
    fresh: BrowserContext, shop: DemoShop, tmp_path: Path
) -> None:
    text = (
        "name: shot\nsteps:\n  - goto: /acn/boutique\n  - screenshot: boutique.png\n"
        "expect: {verdict: at_risk}\n"
    )
    result = _replay(fresh, shop, text, artifacts=tmp_path)
    assert result.passed, result.failure
    [png] = tmp_path.glob("shot-*-boutique.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_a_500_page_says_why_with_the_call_log_status_url_and_screenshot(
    fresh: BrowserContext, shop: DemoShop, tmp_path: Path
) -> None:
    # The eligibility page answers 500: the failure of the next step names the page's status,
    # its URL, the wait that timed out from Playwright's call log, and leaves a masked
    # screenshot (issue #27, item 5); « matched nothing » is not said of a run cut short.
    fresh.route(
        "**/sfr/eligibilite*", lambda route: route.fulfill(status=500, body="<h1>Erreur</h1>")
    )
    text = (
        "name: broken\nsteps:\n  - goto: /acn/boutique\n  - click: 'text=Commander la Fibre'\n"
        "  - click: 'text=Tester mon éligibilité'\n  - click: '#tester'\n"
        "expect: {verdict: attributed}\n"
    )
    result = _replay(fresh, shop, text, artifacts=tmp_path, step_timeout_s=3.0)
    failure = result.failure
    assert failure is not None and failure.step == 4, failure
    assert "HTTP 500" in failure.message and "/sfr/eligibilite" in failure.message
    assert 'call log: waiting for locator("#tester")' in failure.message
    assert failure.screenshot and Path(failure.screenshot).is_file()
    assert result.coverage == []


def test_expect_text_passes_when_any_matched_element_holds_the_text(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    # The first `section` is a cart drawer, the second the summary (a SvelteKit shop, issue
    # #27): Playwright's `filter(has_text=…)` finds « x2 », and so does `expect_text`.
    page = "<section>Panier vide</section><section>Récapitulatif x2</section>"
    fresh.route("**/sections", lambda route: route.fulfill(body=page, content_type="text/html"))
    text = (
        "name: sections\nsteps:\n  - goto: /sections\n"
        "  - expect_text: {selector: section, text: x2}\n"
        "  - expect_text: {selector: 'section >> nth=0', text: x2, timeout_s: 0.2}\n"
        "expect: {verdict: lost}\n"
    )
    result = _replay(fresh, shop, text, step_timeout_s=1.0)
    assert result.failure is not None and result.failure.step == 3, result.failure
    assert "section >> nth=0 does not contain 'x2'" in result.failure.message


def test_a_slow_page_s_failure_says_what_was_waited_for_and_leaves_a_screenshot(
    fresh: BrowserContext, shop: DemoShop, tmp_path: Path
) -> None:
    # The eligibility page takes 6 s, the step 3 s: the click happened, the page was slow. (With
    # 1 s, the ACN link's own redirects outlasted step 2 on a loaded machine.)
    # Chromium takes no screenshot before the new page commits: the failure had none (#27).
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(6)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<h1>Enfin</h1>")

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Slow) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        slow_url = f"http://127.0.0.1:{server.server_address[1]}/"
        fresh.route("**/sfr/eligibilite*", lambda route: route.continue_(url=slow_url))
        text = (
            "name: slow\nsteps:\n  - goto: /acn/boutique\n  - click: 'text=Commander la Fibre'\n"
            "  - click: 'text=Tester mon éligibilité'\nexpect: {verdict: attributed}\n"
        )
        result = _replay(fresh, shop, text, artifacts=tmp_path, step_timeout_s=3.0)
        server.shutdown()
    failure = result.failure
    assert failure is not None and failure.step == 3, failure
    assert "Timeout 3000ms exceeded" in failure.message and "call log:" in failure.message
    assert failure.screenshot and Path(failure.screenshot).is_file()
