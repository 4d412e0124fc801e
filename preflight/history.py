"""Back and Forward for hand-written tests, as the scenario replayer does them.

    from preflight import go_back, go_forward
    go_back(page)            # returns once the previous page is shown and loaded
    preflight_watch.settle()

Why not `page.go_back()`: it waits for a `load` that a back/forward-cache restore never fires
(Chromium), and over WebDriver BiDi (stock Firefox) a restore is invisible to Playwright
altogether, so its waits hang (Playwright 1.64, Firefox ESR 153; RESEARCH.md). Here a move is a
trusted key press (a user activation: both engines ignore a script's history move without one)
then `history.back()`/`forward()` from the page, and the arrival is seen by polling one-shot
`evaluate`s, which keep working on a restored page. The scenario replayer's `back`/`forward`
steps are this same code.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from loguru import logger

from preflight._playwright import playwright_error
from preflight.errors import BrowserError, PageUnresponsive

if TYPE_CHECKING:
    from playwright.sync_api import Page

Direction = Literal["back", "forward"]
TIMEOUT_S = 10.0
_POLL_S = 0.05


def go_back(page: Page, *, timeout: float = TIMEOUT_S) -> None:
    """Press Back in `page` and return once the previous page is shown and loaded (in a
    single-page app: once the URL changed). `BrowserError` when nothing happened within
    `timeout` seconds (no page to go back to, or the page does not answer)."""
    traverse(page, "back", timeout=timeout)


def go_forward(page: Page, *, timeout: float = TIMEOUT_S) -> None:
    """Press Forward in `page`; as `go_back`."""
    traverse(page, "forward", timeout=timeout)


def traverse(page: Page, direction: Direction, *, timeout: float = TIMEOUT_S) -> bool:
    """Move `page` one entry back or forward in its history and wait for the arrival. True
    when the page now shows a document restored from the back/forward cache (see
    `_RESTORED`), False for a document loaded again or a move within the document."""
    if direction not in ("back", "forward"):
        raise ValueError(f"direction {direction!r}: expected 'back' or 'forward'")
    mark, before, clock = _mark(page)
    # A trusted key press gives the page a user activation; Shift alone does nothing else.
    page.keyboard.press("Shift")
    probe(page, f"history.{direction}()")
    return wait_arrival(page, mark, before, direction, timeout=timeout, clock=clock)


# Whether the page left the document tagged `mark` and has loaded; and whether the document shown
# is another one whose own life began before this move: a document restored from the
# back/forward cache keeps its `performance.timeOrigin` (the moment its first navigation began),
# where a document loaded by the move began after the mark (read from the page's clock just
# before: the same clock as `timeOrigin`). Both engines; no init script, so it holds for any
# document, the ones left before a watcher was attached included. One question for both (each
# is a protocol call, issue #27).
_ARRIVED = """([mark, before]) => [location.href, window.__preflightReplayMark === mark,
    document.readyState,
    window.__preflightReplayMark !== mark && performance.timeOrigin < before]"""


def reload(page: Page, *, timeout: float = TIMEOUT_S) -> None:
    """Reload `page` and wait until the new document has loaded (bfcache-safe, as above)."""
    mark, before, _ = _mark(page)
    try:
        # `commit`, not `load`: on Firefox with the bfcache on, load waits can hang (BiDi).
        page.reload(wait_until="commit")
    except playwright_error() as error:
        logger.debug("page.reload failed ({}); reloading from the page", error)
        page.keyboard.press("Shift")
        probe(page, "location.reload()")
    wait_arrival(page, mark, before, "reload", timeout=timeout)


def probe(
    page: Page, script: str, arg: Any = None, *, again: bool = False, timeout_s: float | None = None
) -> Any:
    """A one-shot `evaluate` within `timeout_s` (`preflight.watch._ask`), or None while the page
    is between documents; `PageUnresponsive` when its script keeps it busy. `again` for a
    poll's repeats, left out of a Playwright trace: a step's group shows its first look at the
    page, not every poll."""
    from preflight.watch._ask import ASK_S, ask  # the watch package loads Playwright

    try:
        return ask(page, script, arg, timeout_s=timeout_s or ASK_S, traced=not again)
    except PageUnresponsive:
        raise
    except playwright_error() as error:  # navigating: the caller polls again
        logger.trace("evaluate while navigating: {}", error)
        return None


def pauses() -> Iterator[float]:
    """Pauses between the polls of one wait: short at first (most waits end within a few tens
    of milliseconds), then every `_POLL_S`."""
    pause = 0.01
    while True:
        yield pause
        pause = min(_POLL_S, pause * 1.5)


def _mark(page: Page) -> tuple[str, str, float]:
    """Tag the current document (a window property: a new document has none) and return the
    tag, the URL and the page's clock (ms since the epoch)."""
    mark = secrets.token_hex(4)
    for _ in range(40):
        state = probe(
            page,
            "mark => { window.__preflightReplayMark = mark; return [location.href, Date.now()]; }",
            mark,
            again=True,  # ours, not the user's: the move is what a trace shows (issue #27)
        )
        if isinstance(state, list) and len(state) == 2:
            return mark, str(state[0]), float(state[1])
        time.sleep(_POLL_S)
    raise BrowserError("the page does not answer (still loading?)")


def _arrived(page: Page, mark: str, before: str, clock: float) -> tuple[bool, bool]:
    """Whether the page shows another document (or, in a single-page app, another URL) and it
    has loaded; and whether that document was restored from the back/forward cache."""
    state = probe(page, _ARRIVED, [mark, clock], again=True)  # the mark is what a trace shows
    if not isinstance(state, list) or len(state) != 4:
        return False, False
    href, same_document, ready, restored = state
    if ready != "complete":
        return False, False
    return not same_document or href != before, restored is True


def wait_arrival(
    page: Page, mark: str, before: str, what: str, *, timeout: float, clock: float = 0.0
) -> bool:
    """Poll until `page` left the document tagged `mark` (or its URL `before`); whether the
    document it arrived at was restored from the back/forward cache (`clock`: the page's clock
    when marked)."""
    waits = pauses()
    deadline = time.monotonic() + timeout
    while True:
        done, restored = _arrived(page, mark, before, clock)
        if done:
            return restored
        if time.monotonic() >= deadline:
            raise BrowserError(
                f"{what}: nothing happened within {timeout:g} s, the page is still {before}"
                + (" (is there a page to go back to?)" if what == "back" else "")
            )
        time.sleep(next(waits))
