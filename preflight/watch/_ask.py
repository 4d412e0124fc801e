"""A question to a page that may not answer: a one-shot `evaluate` with a time limit (#25).

`page.evaluate` has no timeout: a page whose script spins (`setTimeout(() => { for(;;){} })`)
never runs it, and the call never returns — a replay was still running after 8 minutes, an
order with `timeout=10` after 150 s. So every question preflight asks a page goes through
`ask`, which gives up after its time limit (`_tracing.bounded`) and says so with
`PageUnresponsive`; the caller then goes on, and closes the page when its own time is up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight._playwright import playwright_error
from preflight.errors import PageUnresponsive
from preflight.watch._tracing import bounded

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

# How long a question waits by default: a loaded machine answers within a few hundred ms.
ASK_S = 5.0


def ask(
    page: Page | Frame,
    script: str,
    arg: Any = None,
    *,
    timeout_s: float = ASK_S,
    traced: bool = True,
) -> Any:
    """`page.evaluate(script, arg)` within `timeout_s`; `PageUnresponsive` when the page did not
    answer by then (its script busy). Playwright's own errors (a page closing, a document being
    replaced) are raised as they come. `traced=False`: left out of a Playwright trace (a poll's
    repeats)."""
    try:
        return bounded(page, "evaluate", script, arg, timeout_s=timeout_s, traced=traced)
    except TimeoutError:
        raise PageUnresponsive(
            f"the page did not answer within {timeout_s:.1f} s (its script is busy)"
        ) from None


def answers(page: Page | Frame, timeout_s: float) -> bool:
    """Whether `page` answers a question within `timeout_s` (False: its script spins). A page
    closing or between two documents is not one that spins: True."""
    try:
        ask(page, "1", timeout_s=timeout_s, traced=False)
    except PageUnresponsive:
        return False
    except playwright_error() as error:  # Playwright's: navigating, or closing
        logger.trace("answers: {}", error)
    return True
