"""Rules you can trust (issue #12): the newcomer's wrong rules files — an origin where a URL glob
was needed as `merchant`, a path as a customer-service URL — give a right verdict on the demo
shop, on both engines, never `attributed` in silence."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext

from preflight.demo_shop import DemoShop
from preflight.rules import Rules, load_rules
from preflight.scenario import loads
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import ScenarioResult

pytest_plugins = ["pytester"]

TO_ELIGIBILITY = """\
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - click: "text=Tester mon éligibilité"
  - fill: {selector: "#adresse", value: "12 rue de la Paix 75002 Paris"}
  - click: "#tester"
  - expect_text: {text: "Éligible", selector: "#resultat"}
"""

RELOAD = (
    f"name: reload\nsteps:\n{TO_ELIGIBILITY}  - reload\n"
    "  - expect_text: {text: 'Éligible', selector: '#resultat'}\n"
    "expect: {verdict: attributed}\n"
)
SERVICE_LINK = (
    f"name: service-link\nsteps:\n{TO_ELIGIBILITY}  - click: '#service-client'\n"
    "  - expect_url: '*/assistance/*'\n"
    "expect: {verdict: attributed}\n"
)


def newcomer_rules(tmp_path: Path, shop: DemoShop, *, merchant: str, cs_url: str) -> Rules:
    """The demo rules as a newcomer rewrote them from the README: the merchant written as an
    origin (or a host), customer service found only by a URL written as a path."""
    demo = resources.files("preflight").joinpath("demo_shop/demo_rules.toml").read_text("utf-8")
    text = re.sub(r"(?m)^merchant = \[.*\]$", f'merchant = ["{merchant}"]', demo)
    text = text.replace('selectors = ["#etre-rappele", "#chat"]', "selectors = []")
    text = text.replace('texts = ["Service client", "Être rappelé", "Chat", "1023"]', "texts = []")
    text = text.replace('urls = ["*/assistance/*", "tel:*"]', f'urls = ["{cs_url}"]')
    assert f'merchant = ["{merchant}"]' in text and cs_url in text, "the demo rules changed"
    path = tmp_path / "newcomer.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path, variables={"DEMO_PORT": shop.port})


@pytest.fixture
def fresh(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def _replay(context: BrowserContext, shop: DemoShop, rules: Rules, text: str) -> ScenarioResult:
    [scenario] = loads(text, file="inline.yaml")
    return replay_scenario(
        context,
        scenario,
        rules=rules,
        base_url=shop.acn_url,
        variables={"MERCHANT": shop.sfr_url},
        browser=context.browser.browser_type.name if context.browser else "",
    )


@pytest.mark.parametrize("bfcache", [False, True], ids=["bfcache-off", "bfcache-on"])
@pytest.mark.parametrize("merchant", ["http://localhost:${DEMO_PORT}", "localhost:${DEMO_PORT}"])
def test_a_reload_under_a_merchant_written_as_an_origin_or_host_is_lost_as_the_shop_says(
    merchant: str,
    bfcache: bool,
    browser: Browser,
    bfcache_browser: Browser,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    rules = newcomer_rules(tmp_path, shop, merchant=merchant, cs_url="/sfr/assistance/contact")
    context = (bfcache_browser if bfcache else browser).new_context()
    try:
        result = _replay(context, shop, rules, RELOAD)
    finally:
        context.close()
    truth = shop.only_order()
    assert truth["attributed"] is False and truth["ended_by"] == "reload"
    assert result.verdict == "lost", (result.verdict, result.timeline)
    assert [v.kind for v in result.violations] == ["reload"]
    assert not result.passed  # the scenario said attributed: the truth says otherwise


def test_a_customer_service_url_written_as_a_path_is_seen_as_the_shop_records_it(
    fresh: BrowserContext, shop: DemoShop, tmp_path: Path
) -> None:
    rules = newcomer_rules(
        tmp_path, shop, merchant="http://localhost:${DEMO_PORT}", cs_url="/sfr/assistance/contact"
    )
    result = _replay(fresh, shop, rules, SERVICE_LINK)
    truth = shop.only_order()
    assert truth["attributed"] is False and truth["ended_by"] == "customer_service"
    assert result.verdict == "lost", (result.verdict, result.timeline)
    assert result.violations[0].kind == "customer_service"


TO_CONFIRMATION = f"""\
{TO_ELIGIBILITY}  - click: "#continuer"
  - fill: {{selector: "#nom", value: "Jeanne Client"}}
  - fill: {{selector: "#telephone", value: "06 12 34 56 78"}}
  - fill: {{selector: "#email", value: "jeanne@example.fr"}}
  - click: "#valider"
  - click: "#commander-plus-tard"
  - expect_url: "*/sfr/confirmation*"
  - wait_for: "[data-testid=order-number]"
"""


def test_an_attributed_expectation_fails_when_no_merchant_page_was_seen_in_the_session(
    fresh: BrowserContext, shop: DemoShop, tmp_path: Path
) -> None:
    # A merchant pattern for another site: the watcher sees the whole order and judges nothing.
    rules = newcomer_rules(
        tmp_path, shop, merchant="https://checkout.example.com/*", cs_url="*/assistance/*"
    )
    text = f"name: clean\nsteps:\n{TO_CONFIRMATION}expect: {{verdict: attributed}}\n"
    result = _replay(fresh, shop, rules, text)
    assert (
        shop.only_order()["attributed"] is True
    )  # the order was fine: the proof is what is missing
    assert not result.passed and result.verdict == "at_risk"
    assert result.failure is not None
    assert result.failure.message.startswith(
        "expected attributed, got at_risk: no merchant page was seen inside the ACN session"
    )
    assert any(
        gap.startswith(
            "order.merchant: no page of this run matched `https://checkout.example.com/*`"
        )
        for gap in result.coverage
    ), result.coverage
    from preflight.pytest_plugin import failure_message

    [scenario] = loads(text, file="inline.yaml")
    message = failure_message(scenario, result)
    assert "verdict at_risk: no merchant page was seen inside the ACN session" in message
    assert "rule patterns that matched nothing in this run:" in message
    assert "order.merchant: no page of this run matched" in message


def test_a_customer_service_click_after_the_confirmation_is_no_violation_as_the_shop_says(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    text = (
        f"name: after\nsteps:\n{TO_CONFIRMATION}  - click: '#service-client'\n"
        "  - expect_url: '*/assistance/*'\n"
        "expect: {verdict: attributed, violations: [], completed: true}\n"
    )
    result = _replay(fresh, shop, shop.rules(), text)
    truth = shop.only_order()
    assert truth["attributed"] is True
    assert any(e["kind"] == "customer_service" and e.get("after_order") for e in truth["events"])
    assert result.passed, (result.failure, result.timeline)
    assert result.completed and result.reason.endswith("the order was confirmed")
    assert any("customer_service" in line for line in result.timeline)  # seen, not counted


def test_expect_completed_fails_an_order_that_stopped_before_its_end(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    text = (
        f"name: halfway\nsteps:\n{TO_ELIGIBILITY}expect: {{verdict: attributed, completed: true}}\n"
    )
    result = _replay(fresh, shop, shop.rules(), text)
    assert result.verdict == "attributed" and not result.completed
    assert not result.passed and result.failure is not None
    assert result.failure.message == (
        "expected attributed, the order completed, got attributed, the order not completed"
    )


def test_a_watched_order_does_not_count_customer_service_after_the_confirmation(
    playwright: Any,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    demo_customer: Callable[..., dict[str, str]],
) -> None:
    from playwright.sync_api import Page

    from preflight.order import run_order
    from preflight.watch import Watcher

    def drive(page: Page, watcher: Watcher) -> None:
        demo_customer(page)
        page.click("#service-client")  # the order is placed: a question about it is fine
        page.wait_for_url("**/assistance/**")
        watcher.settle()

    result = run_order(
        shop.link(offer="fibre", mode="mpa"),
        shop.rules(),
        browser=browser_name,
        guard=False,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        playwright=playwright,
    )
    assert shop.orders()[-1]["attributed"] is True
    assert result.outcome.verdict == "attributed", result.outcome
    assert result.outcome.completed and result.outcome.violations == []
    saved = (result.folder / "report.json").read_text(encoding="utf-8")
    assert '"reason_kind": "clean"' in saved and '"completed": true' in saved
    # Seen, not counted: a watcher that stopped at the confirmation would pass the lines above.
    events = (result.folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["kind"] for line in events]
    assert "customer_service" in kinds[kinds.index("confirmation") :], kinds


def test_pytest_fails_an_unproven_attributed_and_ends_with_the_patterns_that_matched_nothing(
    pytester: pytest.Pytester, shop: DemoShop, tmp_path: Path
) -> None:
    rules = newcomer_rules(tmp_path, shop, merchant="https://checkout.example.com/*", cs_url="/x/")
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "clean.yaml").write_text(
        "name: offer\nsteps:\n  - goto: /acn/boutique\n  - click: 'text=Commander la Fibre'\n"
        "  - expect_url: '*/sfr/offre/*'\nexpect: {verdict: attributed}\n",
        encoding="utf-8",
    )
    result = pytester.runpytest_subprocess(
        "--browser", "chromium", "--browser", "firefox",
        f"--preflight-rules={rules.source}", "-p", "no:cacheprovider", "-p", "no:randomly",
        timeout=280,
    )  # fmt: skip
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert out.count("expected attributed, got at_risk: no merchant page was seen") >= 2
    assert "verdict at_risk: no merchant page was seen inside the ACN session" in out
    result.stdout.fnmatch_lines(
        [
            "*preflight: rule patterns that matched nothing*",
            "customer_service.urls: no URL of any of the 2 scenario runs matched it*",
            "order.merchant: no URL of any of the 2 scenario runs matched it*",
        ]
    )
