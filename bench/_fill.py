"""Figure: the cost of one `fill` step on the demo shop's React variant, per engine — as it was
(Playwright's `fill` alone, which over WebDriver BiDi leaves React's state empty: timed anyway),
as the replayer drives it now (`fill_control`), and typed key by key (`press_sequentially`, the
other way out, for comparison). Each sample fills the details form's textarea (React renders
its length from its state, so each sample also says whether React saw the value), with an
address-long text, after emptying it the same way."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench._stats import Figure, Summary
from preflight.demo_shop import DemoShop
from preflight.scenario._forms import fill_control

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

VALUE = "12 rue de la Paix 75002 Paris"  # 29 characters, a typical address
FIELD = "#instructions"
COUNT = "#instructions-count"
WAYS = ("before", "after", "typed")
TITLES = {
    "before": "fill step, React variant: Playwright fill (before)",
    "after": "fill step, React variant: replayer's fill_control (after)",
    "typed": "fill step, React variant: press_sequentially (for comparison)",
}


def _details_page(page: Page, shop: DemoShop) -> None:
    page.goto(shop.link(offer="fibre", mode="react"), wait_until="load")
    page.click("#tester-eligibilite")
    page.locator("#adresse").press_sequentially(VALUE)  # real keys: reaches React everywhere
    page.click("#tester")
    page.click("#continuer")
    page.locator(FIELD).wait_for()


def _ways(engine: str) -> dict[str, Callable[[Locator, str], None]]:
    def typed(field: Locator, value: str) -> None:
        field.fill("")
        field.press_sequentially(value)

    return {
        "before": lambda field, value: field.fill(value),
        "after": lambda field, value: fill_control(field, "TEXTAREA", value, engine),
        "typed": typed,
    }


def measure(browser: Browser, name: str, shop: DemoShop, repeats: int) -> list[Figure]:
    engine = browser.browser_type.name
    ways = _ways(engine)
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    reached: dict[str, list[bool]] = {way: [] for way in WAYS}
    context = browser.new_context()
    try:
        page = context.new_page()
        _details_page(page, shop)
        field = page.locator(FIELD)
        ways["after"](field, VALUE)  # warm every path once
        ways["typed"](field, VALUE)
        for _ in range(repeats):
            for way in WAYS:  # interleaved: the machine's load drifts alike for all three
                fill_control(field, "TEXTAREA", "", engine)  # React's state empty again
                started = time.perf_counter()
                ways[way](field, VALUE)
                times[way].append((time.perf_counter() - started) * 1000)
                reached[way].append(page.inner_text(COUNT).startswith(f"{len(VALUE)} /"))
    finally:
        context.close()
    figures = []
    for way in WAYS:
        seen = sum(reached[way])
        figures.append(
            Figure(
                id=f"fill_react_{way}",
                browser=name,
                title=TITLES[way],
                unit="ms",
                value=Summary.of(times[way]),
                repeats=len(times[way]),
                note=f"React's state got the value in {seen} of {len(reached[way])} samples",
                detail={"reached_react_state": seen, "samples": len(reached[way])},
            )
        )
    return figures
