"""Figure: what one Playwright call costs, per engine, on a page with nothing going on — the
unit every step and every poll of the watcher pays.

Four calls, interleaved, `repeats` samples each: `evaluate` (one request, one answer),
`bounding_box` (several requests, some sent together), `click` (the actionability checks,
then the input actions) and `press`. Over WebDriver BiDi (stock Firefox) a call that makes the
browser send two messages in a row — two answers to requests sent together, or an event and an
answer — waits about 40 ms for the second: Firefox's WebDriver BiDi server socket keeps Nagle's
algorithm on, and the client's kernel delays its acknowledgement (measured: see
docs/performance.md, « Firefox's 40 ms waits »). Chromium's CDP pipe has no such wait. The
figure shows which calls pay it; the watcher's share of a replay's time on Firefox is mostly
how many such calls it makes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench._stats import Figure, Summary

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PAGE = '<input id=field><button id=go onclick="this.dataset.n=(+this.dataset.n||0)+1">Go</button>'


def _calls(page: Page) -> dict[str, Callable[[], object]]:
    return {
        "evaluate": lambda: page.evaluate("1"),
        "bounding_box": lambda: page.locator("#go").bounding_box(),
        "click": lambda: page.click("#go"),
        "press": lambda: page.press("#field", "a"),
    }


def measure(browser: Browser, name: str, repeats: int) -> list[Figure]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(PAGE)
        calls = _calls(page)
        for warm in calls.values():  # every path once
            warm()
        times: dict[str, list[float]] = {key: [] for key in calls}
        for _ in range(repeats):
            for call, run in calls.items():  # interleaved: the load drifts alike for all
                started = time.perf_counter()
                run()
                times[call].append((time.perf_counter() - started) * 1000)
        clicks = int(page.get_attribute("#go", "data-n") or 0)
    finally:
        context.close()
    assert clicks == repeats + 1, f"{clicks} clicks reached the page, {repeats + 1} made"
    return [
        Figure(
            id=f"call_{call}",
            browser=name,
            title=f"one Playwright call: {call}",
            unit="ms",
            value=Summary.of(samples),
            repeats=len(samples),
        )
        for call, samples in times.items()
    ]
