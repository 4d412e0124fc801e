"""The flows of the scenario library that move in history, replayed with the back/forward cache
ON, as a real user's browser has it (issue 11: "every flow of the library passes … with the
back/forward cache on and off"): the multi-page flows on both engines, the single-page ones
crossed with the engines (`_engines`). `make test` collects `scenarios/` with the
cache off (Playwright's default), each replay checked against the demo shop's truth (the root
conftest.py, with the matrix's oracle); this is the other half, checked the same way.

The cache is read only by a history move: a page restored, not loaded again. So the flows here
are those with a Back, a Forward or a Refresh step, and those whose page or widget moves in its
own history; the others would repeat their cache-off replay (issue 22). What the cache changes
on every page left — the page frozen into it instead of unloaded — is tested on its own on both
engines, the multi-page shop with the cache on and off and the single-page ones crossed with the
two settings: a clean order, a payment and every customer-service control
(tests/test_watcher.py), the guard (tests/test_guard.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from preflight.demo_shop import DemoShop
from preflight.matrix import DemoShopTruth
from preflight.scenario import Back, Forward, Reload, Scenario, load_paths
from preflight.scenario._replay import replay_scenario

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
# Flows whose history moves are the page's or a frame's own (no Back/Forward/Reload step).
OWN_HISTORY = ("widget-browses-its-help-",)


def moves_in_history(scenario: Scenario) -> bool:
    return scenario.name.startswith(OWN_HISTORY) or any(
        isinstance(step, Back | Forward | Reload) for step in scenario.steps
    )


ALL = load_paths([LIBRARY])
SCENARIOS = {s.name: s for s in ALL if moves_in_history(s)}


def test_the_cache_on_flows_are_every_flow_that_moves_in_history() -> None:
    # A new flow with a history move joins by itself; one whose page moves in its own history
    # must be named in OWN_HISTORY.
    own = [s.name for s in ALL if s.name.startswith(OWN_HISTORY)]
    assert len(own) == 3, own
    assert len(SCENARIOS) == 18, sorted(SCENARIOS)
    assert all(name.endswith(("-mpa", "-spa", "-react")) for name in SCENARIOS)


def _engines(name: str) -> str | tuple[str, str]:
    """The multi-page flows (where a Back restores a whole page from the cache) on both engines;
    the single-page ones (a Back there moves within one document) crossed with them: the Preact
    app's on Chromium, the React app's on Firefox. `make test` replays all of them on both
    engines with the cache off (#22)."""
    if name.endswith("-mpa"):
        return ("chromium", "firefox")
    return "chromium" if name.endswith("-spa") else "firefox"


@pytest.mark.engine_of("name", {name: _engines(name) for name in SCENARIOS})
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
        assert result.passed, (result.failure, result.verdict, result.timeline)
        wrong = DemoShopTruth(shop).disagrees(context, result.verdict)
        assert wrong is None, wrong
    finally:
        context.close()
