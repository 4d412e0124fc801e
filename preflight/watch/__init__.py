"""The order watcher: an in-page probe plus what Playwright and CDP report, judged into a
verdict. `Watcher` is the API; `events` is the vocabulary it speaks."""

from preflight.watch._order import EXIT_CODES, OrderResult, run_order
from preflight.watch._watcher import Watcher, scrub
from preflight.watch.events import Event, Outcome, Violation, Warning

__all__ = [
    "EXIT_CODES",
    "Event",
    "OrderResult",
    "Outcome",
    "Violation",
    "Warning",
    "Watcher",
    "run_order",
    "scrub",
]
