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

from preflight.matrix._model import Cell, Status, Truth
from preflight.rules import Rules, load_rules
from preflight.scenario._results import ScenarioResult
from preflight.scenario._runner import demo_or_given

if TYPE_CHECKING:
    from preflight.demo_shop import DemoShop

ORDER_COOKIE = "sfr_order"  # preflight.demo_shop.sfr.ORDER_COOKIE (not imported: no Starlette)
# How long the truth may take to record an end that arrives after the page: a beacon (the tel:
# link's, sent as the call leaves the browser), the assistance widget's own request. Measured
# on a loaded machine, a tel: beacon came later than 1.5 s on Firefox; only a cell the shop
# still calls attributed waits this long.
SETTLE_S = 5.0


def agrees(verdict: str | None, truth: Truth) -> bool:
    """Whether the watcher's verdict says what the shop recorded: lost ⇔ not attributed."""
    return (verdict == "lost") == (not truth.attributed)


def judge_cell(cell: Cell, result: ScenarioResult, truth: Truth | None) -> Status:
    """right, wrong, false_alarm, miss or failed (see `Status`)."""
    failure = result.failure
    if result.verdict is None or (failure is not None and failure.step is not None):
        return "failed"  # a step or the browser failed: the replay judged nothing
    if truth is not None and not agrees(result.verdict, truth):
        return "false_alarm" if result.verdict == "lost" else "miss"
    return "right" if result.passed else "wrong"


class DemoShopTruth:
    """`truth(order_id, cell)` for `run_matrix`, read from a running demo shop."""

    def __init__(self, shop: DemoShop, settle_s: float = SETTLE_S) -> None:
        self.shop = shop
        self.settle_s = settle_s

    def __call__(self, order_id: str | None, cell: Cell) -> Truth | None:
        if order_id is None:
            return None
        deadline = time.monotonic() + (self.settle_s if cell.action != "clean" else 0)
        while True:
            found = [o for o in self.shop.orders() if o.get("id") == order_id]
            if found and (not found[0]["attributed"] or time.monotonic() >= deadline):
                order = found[0]
                return Truth(
                    attributed=bool(order["attributed"]),
                    ended_by=order.get("ended_by"),
                    ended_at=order.get("ended_at"),
                )
            if not found and time.monotonic() >= deadline:
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
