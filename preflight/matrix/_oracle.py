"""The oracle: each cell compared with what the shop itself recorded for its order.

The demo shop knows, for every order, whether it stayed attributed to ACN (`/__truth/orders`,
`DemoShop.orders()`). A cell's order is found by the shop's order cookie in the cell's context
(so cells running side by side in several workers never mix up their orders). A watcher that
says `lost` where the shop says attributed is a false alarm; `attributed` (or at risk) where
the shop says lost is a miss.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from loguru import logger

from preflight._playwright import playwright_error
from preflight.matrix._model import Cell, Status, Truth
from preflight.rules import Rules, load_rules
from preflight.scenario._results import ScenarioResult
from preflight.scenario._runner import demo_or_given
from preflight.watch._tracing import untraced

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from preflight.demo_shop import DemoShop

ORDER_COOKIE = "sfr_order"  # preflight.demo_shop.sfr.ORDER_COOKIE (not imported: no Starlette)
# An end can reach the shop after the page: a beacon (the tel: link's, sent as the call leaves
# the browser), the assistance widget's own request. Measured on a loaded machine, a tel:
# beacon came later than 1.5 s on Firefox. So the oracle waits, but for a signal, not a clock:
# where the watcher saw an end, until the shop has it too (at most SETTLE_S); where it saw
# none, until the shop has heard nothing of the order for QUIET_S (the shop says how long:
# `DemoShop.quiet_for`), at most SETTLE_S.
SETTLE_S = 5.0
QUIET_S = 2.0


def order_of(context: BrowserContext) -> str | None:
    """The id of the order `context` made on the demo shop: its order cookie."""
    try:
        for cookie in untraced(context, "cookies"):  # the test's oracle, not a step: no trace
            if cookie.get("name") == ORDER_COOKIE:
                return str(cookie.get("value"))
    except playwright_error() as error:  # the context is gone: no oracle for this cell
        logger.debug("matrix: cookies: {}", error)
    return None


def agrees(verdict: str | None, truth: Truth) -> bool:
    """Whether the watcher's verdict says what the shop recorded: lost ⇔ not attributed."""
    return (verdict == "lost") == (not truth.attributed)


def judge_cell(cell: Cell, result: ScenarioResult, truth: Truth | None) -> Status:
    """right, wrong, false_alarm, miss or inconclusive (see `Status`)."""
    failure = result.failure
    if result.verdict is None or (failure is not None and failure.step is not None):
        return "inconclusive"  # a step or the browser failed: the replay judged nothing
    if truth is not None and not agrees(result.verdict, truth):
        return "false_alarm" if result.verdict == "lost" else "miss"
    return "right" if result.passed else "wrong"


class DemoShopTruth:
    """`truth(order_id, cell, verdict)` for `run_matrix`, read from a running demo shop."""

    def __init__(
        self, shop: DemoShop, settle_s: float = SETTLE_S, quiet_s: float = QUIET_S
    ) -> None:
        self.shop = shop
        self.settle_s = settle_s
        self.quiet_s = quiet_s

    def __call__(
        self, order_id: str | None, cell: Cell, verdict: str | None = None
    ) -> Truth | None:
        return self.read(order_id, settle=cell.action != "clean", verdict=verdict)

    def disagrees(self, context: BrowserContext, verdict: str | None) -> str | None:
        """Why the order `context` made on the shop did not end as `verdict` says (None when
        it did, or when there is no verdict: a replay that judged nothing)."""
        if verdict is None:
            return None
        truth = self.read(order_of(context), verdict=verdict)
        if truth is None:
            return f"watcher: {verdict}; the demo shop has no order for this context"
        return None if agrees(verdict, truth) else f"watcher: {verdict}; shop: {truth}"

    def read(
        self, order_id: str | None, *, settle: bool = True, verdict: str | None = None
    ) -> Truth | None:
        """The shop's record of the order. An end is final, and so is an order the shop took,
        so either is read at once; with `settle`, an order still in progress and attributed is
        read once nothing more is on its way (see SETTLE_S): the shop has it lost where the
        watcher said lost, else it has been quiet."""
        if order_id is None:
            return None
        deadline = time.monotonic() + (self.settle_s if settle else 0)
        while True:
            found = [o for o in self.shop.orders() if o.get("id") == order_id]
            now = time.monotonic()
            if found:
                order = found[0]
                quiet = self.shop.quiet_for(order_id) or 0.0
                settled = verdict != "lost" and quiet >= self.quiet_s
                # The shop's own positive signal: an order it took (paid or saved for later) or
                # already lost cannot change any more (a later end is recorded `after_order`).
                final = not order["attributed"] or order.get("status") != "in_progress"
                if final or not settle or settled or now >= deadline:
                    return Truth(
                        attributed=bool(order["attributed"]),
                        ended_by=order.get("ended_by"),
                        ended_at=order.get("ended_at"),
                    )
            elif now >= deadline:
                return None
            time.sleep(0.05)


@contextmanager
def target(
    base_url: str | None, rules_source: str | None, variables: Mapping[str, str]
) -> Iterator[tuple[str, Rules, dict[str, str], DemoShopTruth | None]]:
    """Where a matrix runs, its rules and variables, and its oracle: without a base URL the
    demo shop, served here, whose truth judges each cell; with one, no oracle."""
    if base_url is not None:
        with demo_or_given(base_url, rules_source, variables) as (url, rules, values):
            yield url, rules, values, None
        return
    from preflight.demo_shop import DemoShop

    with DemoShop(port=0) as shop:
        values = {"BASE_URL": shop.acn_url, "MERCHANT": shop.sfr_url, "DEMO_PORT": str(shop.port)}
        values.update(variables)
        rules = load_rules(rules_source or "demo", variables=values)
        yield shop.acn_url, rules, values, DemoShopTruth(shop)
