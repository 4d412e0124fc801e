"""Figure 3, detection latency: from the action (a reload, `history.back()` after a trusted
click, a click on a customer-service link) to its event in the watcher's stream (the time the
watcher's `on_event` callback ran), in milliseconds and as a fraction of the duration of the
navigation the action caused (the new document's own Navigation Timing `duration`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench._stats import Figure, Summary, percentile
from preflight.demo_shop import DemoShop
from preflight.watch import Event, Watcher

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

_NAV_MS = """() => {
  const [entry] = performance.getEntriesByType("navigation");
  return entry && entry.loadEventEnd > 0 ? entry.duration : null;
}"""
ACTIONS = ("reload", "back", "customer_service")


class _Stream:
    """The watcher's events with the moment each reached `on_event`."""

    def __init__(self) -> None:
        self.events: list[tuple[float, Event]] = []

    def __call__(self, event: Event) -> None:
        self.events.append((time.perf_counter(), event))

    def wait(
        self, watcher: Watcher, page: Page, since: int, wanted: Callable[[Event], bool]
    ) -> float:
        """When the first wanted event after index `since` arrived (waiting inside Playwright
        calls, which is when the sync API dispatches bindings and events)."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for at, event in self.events[since:]:
                if wanted(event):
                    return at
            watcher.poll()
            page.wait_for_timeout(5)
        raise TimeoutError(f"no such event; seen: {[e.kind for _, e in self.events[since:]]}")


def _nav_ms(page: Page) -> float:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(_NAV_MS)
        except Exception:  # the document is being replaced: ask again
            value = None
        if isinstance(value, int | float) and value > 0:
            return float(value)
        time.sleep(0.02)
    raise TimeoutError("the navigation did not finish loading")


def _offer(page: Page, shop: DemoShop, watcher: Watcher) -> None:
    page.goto(shop.link(offer="fibre"), wait_until="load")
    page.wait_for_selector("text=Tester mon éligibilité")
    watcher.settle(timeout=5)


def samples(
    browser: Browser, shop: DemoShop, repeats: int, budget_s: float | None = None
) -> dict[str, list[tuple[float, float]]]:
    """Up to `repeats` (latency ms, navigation ms) pairs per action (at least 3 when a budget
    cuts them short)."""
    stream = _Stream()
    context = browser.new_context()
    watcher = Watcher(shop.rules(), on_event=stream)
    watcher.attach(context)
    page = context.new_page()
    found: dict[str, list[tuple[float, float]]] = {action: [] for action in ACTIONS}

    def is_nav(kind: str) -> Callable[[Event], bool]:
        return lambda e: e.kind == "navigation" and e.nav == kind

    try:
        began = time.perf_counter()
        for done in range(repeats):
            if budget_s is not None and done >= 3 and time.perf_counter() - began > budget_s:
                break
            _offer(page, shop, watcher)
            since, started = len(stream.events), time.perf_counter()
            page.reload(wait_until="commit")
            arrived = stream.wait(watcher, page, since, is_nav("reload"))
            found["reload"].append(((arrived - started) * 1000, _nav_ms(page)))

            _offer(page, shop, watcher)
            page.click("text=Tester mon éligibilité")
            page.wait_for_selector("#adresse")
            watcher.settle(timeout=5)
            # A trusted click (on the heading: it does nothing) gives the user activation that
            # script history moves need.
            heading = page.locator("h1").first.bounding_box()
            assert heading is not None
            page.mouse.click(heading["x"] + 5, heading["y"] + heading["height"] / 2)
            since, started = len(stream.events), time.perf_counter()
            page.evaluate("setTimeout(() => history.back(), 0)")
            arrived = stream.wait(watcher, page, since, is_nav("back"))
            found["back"].append(((arrived - started) * 1000, _nav_ms(page)))

            _offer(page, shop, watcher)
            box = page.locator("#service-client").bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            since, started = len(stream.events), time.perf_counter()
            page.mouse.click(x, y)
            arrived = stream.wait(watcher, page, since, lambda e: e.kind == "customer_service")
            page.wait_for_url("**/assistance/**")
            found["customer_service"].append(((arrived - started) * 1000, _nav_ms(page)))
    finally:
        watcher.detach()
        context.close()
    return found


def measure(
    browser: Browser, name: str, shop: DemoShop, repeats: int, budget_s: float | None = None
) -> list[Figure]:
    figures = []
    titles = {
        "reload": "latency: reload → event",
        "back": "latency: history.back() → event",
        "customer_service": "latency: customer-service click → event",
    }
    for action, pairs in samples(browser, shop, repeats, budget_s).items():
        latency = [ms for ms, _ in pairs]
        fraction = [ms / nav for ms, nav in pairs]
        p50, p95 = percentile(latency, 50), percentile(latency, 95)
        f50, f95 = percentile(fraction, 50), percentile(fraction, 95)
        figures.append(
            Figure(
                id=f"latency_{action}",
                browser=name,
                title=titles[action],
                unit="ms",
                value=Summary.of(latency),
                repeats=len(pairs),
                note=f"p50 {p50:.0f} ms, p95 {p95:.0f} ms; ÷ navigation p50 {f50:.2f}, "
                f"p95 {f95:.2f}",
                detail={
                    "p50_ms": p50,
                    "p95_ms": p95,
                    "fraction_p50": f50,
                    "fraction_p95": f95,
                    "navigation_ms": Summary.of([nav for _, nav in pairs]).model_dump(),
                },
            )
        )
    return figures
