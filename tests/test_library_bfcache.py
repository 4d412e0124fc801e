"""Every flow of the scenario library with the back/forward cache ON, as a real user's browser
has it, on both engines (issue 11: "every flow of the library passes on the React variant …
with the back/forward cache on and off"). `make test` collects `scenarios/` with the cache off
(Playwright's default); this is the other half. Each replay is also checked against the demo
shop's own truth: lost exactly when the shop says the order is no longer ACN's."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from preflight.demo_shop import DemoShop
from preflight.scenario import Scenario, load_paths
from preflight.scenario._replay import replay_scenario

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = {s.name: s for s in load_paths([LIBRARY])}
# What the shop may still learn after the last step (a tel: beacon, the widget's request).
TRUTH_SETTLE_S = 5.0


def _truth_agrees(shop: DemoShop, verdict: str | None) -> tuple[bool, object]:
    def agrees(orders: list[dict[str, object]]) -> bool:
        return bool(orders) and (verdict == "lost") == (not orders[-1]["attributed"])

    try:
        return True, shop.wait_for_orders(agrees, timeout=TRUTH_SETTLE_S)
    except TimeoutError:
        return False, shop.orders()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_library_flow_passes_with_the_cache_on_and_agrees_with_the_shop(
    name: str, bfcache_browser: Browser, browser_name: str, shop: DemoShop
) -> None:
    scenario: Scenario = SCENARIOS[name]
    context = bfcache_browser.new_context()
    try:
        result = replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            variables={"MERCHANT": shop.sfr_url, "DEMO_PORT": str(shop.port)},  # as the plugin
            browser=browser_name,
        )
    finally:
        context.close()
    assert result.passed, (result.failure, result.verdict, result.timeline)
    agrees, orders = _truth_agrees(shop, result.verdict)
    assert agrees, (result.verdict, orders)
