"""History steps: `back`, `forward` and `reload`, driven so they work on both engines and with
the back/forward cache on or off (see DEVELOPERS.md and RESEARCH.md): `page.go_back()` waits
for a `load` that a bfcache restore never fires (Chromium), and over WebDriver BiDi (stock
Firefox) a restore is invisible to Playwright altogether (`page.url` stale, waits hang). So
`back`/`forward` are a trusted key press (a user activation: browsers ignore script history
moves without one) then `history.back()`/`forward()` in the page, and the arrival is seen by
polling one-shot `evaluate`s — which keep working on a restored page — and by the watcher's
`settle()`. That move is shared with hand-written tests: `preflight.history` (`go_back`,
`go_forward`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from preflight import history
from preflight.errors import BrowserError
from preflight.history import Direction
from preflight.scenario._drive import STEP_TIMEOUT_S, StepFailed
from preflight.scenario._restored import arrived

if TYPE_CHECKING:
    from preflight.scenario._drive import Driver


def traverse(driver: Driver, direction: Direction) -> None:
    """The move, then: a document restored from the cache that Playwright cannot see is
    driven by `_restored` until another document is shown."""
    try:
        restored = history.traverse(driver.page, direction, timeout=driver.within(STEP_TIMEOUT_S))
    except BrowserError as error:
        raise StepFailed(str(error)) from None
    arrived(driver, restored)
    driver.settle()


def reload(driver: Driver) -> None:
    try:
        history.reload(driver.page, timeout=driver.within(STEP_TIMEOUT_S))
    except BrowserError as error:
        raise StepFailed(str(error)) from None
    driver.restored = None  # a new document, loaded as Playwright sees it
    driver.settle()
