"""The recorder, driven headed (under Xvfb) as a person would: the scenario it writes replays to
the verdict the watcher reached while recording."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from preflight.demo_shop import DemoShop
from preflight.scenario import Fill, Reload, Scenario, load_file
from preflight.scenario._recorder import Recording, record
from preflight.scenario._replay import ScenarioResult, replay_scenario

pytestmark = [
    pytest.mark.headed,
    pytest.mark.skipif(
        not os.environ.get("DISPLAY"),
        reason="the recorder opens a headed browser: run under a display (make test uses xvfb-run)",
    ),
]

ADDRESS = "12 rue de la Paix 75002 Paris"
IBAN = "FR7630006000011234567890189"


def _to_eligibility(page: Page) -> None:
    page.get_by_text("Commander la Fibre").click()
    page.wait_for_url("**/sfr/offre/fibre*")
    page.locator("#tester-eligibilite").click()
    page.locator("#adresse").click()
    page.keyboard.type(ADDRESS)
    page.locator("#tester").click()
    page.wait_for_selector("#resultat")


def _history(page: Page, direction: str) -> None:
    page.keyboard.press("Shift")
    # The navigation may replace the document before the call returns.
    with contextlib.suppress(PlaywrightError):
        page.evaluate(f"history.{direction}()")


def _record(
    shop: DemoShop,
    playwright: Playwright,
    browser_name: str,
    out: Path,
    name: str,
    person: Callable[[Page], None],
) -> Recording:
    """Record `person` ordering from the demo shop's boutique, as `preflight record` would."""
    return record(
        shop.acn_url + "/acn/boutique",
        out,
        rules=shop.rules(),
        browser=browser_name,
        name=name,
        page_hook=person,
        playwright=playwright,
    )


def _replay(
    browser: Browser,
    browser_name: str,
    shop: DemoShop,
    scenario: Scenario,
    variables: dict[str, str] | None = None,
) -> ScenarioResult:
    """Replay what was recorded in a fresh context, against a shop with no orders yet."""
    shop.reset()
    context = browser.new_context()
    try:
        return replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            browser=browser_name,
            variables=variables,
        )
    finally:
        context.close()


def test_a_recording_with_typing_and_a_refresh_replays_to_the_same_verdict(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        page.reload()
        page.wait_for_selector("#resultat")

    out = tmp_path / "recorded.yaml"
    recording = _record(shop, playwright, browser_name, out, "recorded-refresh", person)
    assert recording.scenario.expect.verdict == "lost"
    [scenario] = load_file(out)
    assert scenario.expect.verdict == "lost" and scenario.expect.violations == ["reload"]
    actions = [step.action for step in scenario.steps]
    assert actions == ["goto", "click", "click", "fill", "click", "reload"], actions
    fill = scenario.steps[3]
    assert isinstance(fill, Fill) and fill.selector == "#adresse" and fill.value == ADDRESS
    assert isinstance(scenario.steps[-1], Reload)
    assert scenario.steps[0].arguments() == {"url": "/acn/boutique"}

    result = _replay(browser, browser_name, shop, scenario)
    assert result.passed, (result.failure, result.timeline)
    assert [order["ended_by"] for order in shop.orders()] == ["reload"]


def test_bank_details_typed_while_recording_become_a_placeholder(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        page.locator("#continuer").click()
        page.locator("#nom").fill("Jeanne Client")
        page.locator("#telephone").fill("06 12 34 56 78")
        page.locator("#email").fill("jeanne.client@example.fr")
        page.locator("#valider").click()
        page.locator("#payer-maintenant").click()
        page.locator("#iban").click()
        page.keyboard.type(IBAN)
        page.locator("#payer").click()
        page.wait_for_selector("[data-testid=order-number]")

    out = tmp_path / "pay.yaml"
    recording = _record(shop, playwright, browser_name, out, "recorded-payment", person)
    text = out.read_text(encoding="utf-8")
    assert IBAN not in text and "FR76" not in text
    assert "${SECRET_1}" in text and "--var SECRET_1=" in text
    assert recording.secrets == ["SECRET_1"]
    [scenario] = load_file(out)
    assert scenario.expect.verdict == "at_risk"
    assert scenario.expect.warnings == ["payment_without_order_later"]

    result = _replay(browser, browser_name, shop, scenario, {"SECRET_1": IBAN})
    assert result.passed, (result.failure, result.timeline)
    assert [order["status"] for order in shop.orders()] == ["paid"]


def test_the_record_command_writes_a_scenario_when_its_time_is_up(
    shop: DemoShop, tmp_path: Path
) -> None:
    out = tmp_path / "left-open.yaml"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "preflight", "record", shop.acn_url + "/acn/boutique"),
            *("-o", str(out), "--browser", "chromium", "--rules", "demo", "--timeout", "3"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "steps written to" in done.stdout
    [scenario] = load_file(out)
    assert scenario.steps[0].arguments() == {"url": "/acn/boutique"}


def test_back_and_forward_while_recording_become_steps_and_replay_alike(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        # The toolbar's Back/Forward are out of a page's reach; history.back() after a key
        # press (a user activation) is what the browser does for them.
        _history(page, "back")
        page.wait_for_function("!document.querySelector('#resultat')")
        _history(page, "forward")
        page.wait_for_selector("#resultat")

    out = tmp_path / "history.yaml"
    _record(shop, playwright, browser_name, out, "recorded-history", person)
    [scenario] = load_file(out)
    assert [step.action for step in scenario.steps][-2:] == ["back", "forward"]
    assert scenario.expect.verdict == "lost"
    assert scenario.expect.violations == ["back", "forward"]

    result = _replay(browser, browser_name, shop, scenario)
    assert result.passed, (result.failure, result.timeline)
    assert [order["ended_by"] for order in shop.orders()] == ["back"]
