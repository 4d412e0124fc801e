"""Figure 5, memory during a long order (200 steps on the demo shop): peak resident memory of
this process (the replayer and the watcher) and of the browser (Playwright's driver and the
browser's processes, sampled with psutil), and the watcher's own retained memory early and late
in the order — it must not grow with the number of events (they stream out through
`on_event`; the watcher keeps bounded windows)."""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psutil

from bench._stats import Figure, Summary
from preflight.demo_shop import DemoShop
from preflight.scenario import Scenario, Step
from preflight.scenario._replay import replay_scenario
from preflight.watch import Event, Watcher

if TYPE_CHECKING:
    from playwright.sync_api import Browser

MiB = 1024 * 1024


class Peaks:
    """Peak RSS of this process and of its descendants, sampled every 50 ms on a thread."""

    def __init__(self) -> None:
        self.own = 0
        self.driver = 0
        self.browser = 0
        self._stop = threading.Event()

    def sample(self) -> None:
        me = psutil.Process()
        own = me.memory_info().rss
        driver = browser = 0
        for child in me.children(recursive=True):
            try:
                rss = child.memory_info().rss
                exe = child.exe()
            except psutil.Error:  # gone between listing and reading
                continue
            if "playwright" in exe and "driver" in exe:  # node renames itself: go by its path
                driver += rss
            else:
                browser += rss  # the sum over-counts pages shared between its processes
        self.own = max(self.own, own)
        self.driver = max(self.driver, driver)
        self.browser = max(self.browser, browser)

    @contextmanager
    def running(self) -> Iterator[Peaks]:
        def loop() -> None:
            while not self._stop.wait(0.05):
                self.sample()

        thread = threading.Thread(target=loop, name="bench-rss", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.sample()


# Objects the walk does not enter: Playwright's (pages, the connection), the rules, code.
_OPAQUE_MODULES = ("playwright", "greenlet", "asyncio", "pyee", "preflight.rules", "pydantic")


def retained_bytes(root: object) -> int:
    """Bytes held by `root`'s own object graph (containers, events, strings), stopping at
    Playwright objects, the rules, modules, classes and functions."""
    seen: set[int] = {id(root)}
    stack: list[Any] = list(gc.get_referents(root))
    total = sys.getsizeof(root)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        kind = type(obj)
        if isinstance(obj, type) or callable(obj) or kind.__name__ == "module":
            continue
        if kind.__module__.startswith(_OPAQUE_MODULES) and not isinstance(obj, Event):
            continue
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def measure(browser: Browser, name: str, shop: DemoShop, scenario: Scenario) -> list[Figure]:
    watchers: list[Watcher] = []
    checkpoints: list[tuple[int, int, int]] = []  # (step, events, watcher bytes)
    # Growth is read from half-way (every bounded window — the last 50 events, the last 30
    # documents — is full by then) to the end; the quarters are kept in the detail.
    steps = len(scenario.steps)
    marks = {steps // 4, steps // 2, 3 * steps // 4, steps}
    counted = [0]

    original = Watcher.attach

    def remember(self: Watcher, context: Any, *, also: str = "") -> None:  # the replayer's own
        watchers.append(self)
        original(self, context, also=also)

    def on_step(index: int, step: Step) -> None:
        if index in marks and watchers:
            checkpoints.append((index, counted[0], retained_bytes(watchers[-1])))

    def on_event(event: Event) -> None:
        counted[0] += 1  # streamed out, as the report's event log does, and not kept

    context = browser.new_context()
    Watcher.attach = remember  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        with Peaks().running() as peaks:
            result = replay_scenario(
                context,
                scenario,
                rules=shop.rules(),
                base_url=shop.acn_url,
                variables={"MERCHANT": shop.sfr_url},
                browser=name,
                on_event=on_event,
                on_step=on_step,
            )
            if watchers:
                last = (len(scenario.steps) + 1, counted[0], retained_bytes(watchers[-1]))
                checkpoints.append(last)
    finally:
        Watcher.attach = original  # type: ignore[method-assign]
        context.close()
    elapsed = time.perf_counter() - started
    if not result.passed:
        raise RuntimeError(f"the long order failed on {name}: {result.failure}")
    (_, events_early, bytes_early), (_, events_late, bytes_late) = checkpoints[1], checkpoints[-1]
    growth = (bytes_late - bytes_early) / max(1, events_late - events_early)
    return [
        Figure(
            id="memory_preflight_peak",
            title=f"peak RSS, preflight process ({steps}-step order)",
            unit="MiB",
            value=Summary.of([peaks.own / MiB]),
            note=f"{counted[0]} events in {elapsed:.1f} s",
            repeats=1,
            browser=name,
        ),
        Figure(
            id="memory_browser_peak",
            title=f"peak RSS, browser ({steps}-step order)",
            unit="MiB",
            value=Summary.of([peaks.browser / MiB]),
            note=f"sum over its processes; Playwright driver {peaks.driver / MiB:.0f} MiB",
            repeats=1,
            browser=name,
        ),
        Figure(
            id="memory_watcher_growth",
            title="watcher memory growth per event",
            unit="B/event",
            value=Summary.of([growth]),
            target="≈ 0 (bounded)",
            met=growth < 64,
            note=f"{bytes_early / 1024:.0f} KiB at {events_early} events, "
            f"{bytes_late / 1024:.0f} KiB at {events_late}",
            detail={"checkpoints": [list(c) for c in checkpoints]},
            repeats=1,
            browser=name,
        ),
    ]
