"""The order watcher: an in-page probe plus what Playwright and CDP report, judged into a
verdict. `Watcher` is the API; `events` is the vocabulary it speaks. A whole watched order
(`run_order`) is `preflight.order`'s: it builds on the watch and the report."""

from preflight.watch._keys import Keys
from preflight.watch._scripts import with_hmac
from preflight.watch._watcher import Watcher, scrub
from preflight.watch.events import Event, Outcome, Violation, Warning

__all__ = [
    "Event",
    "Keys",
    "Outcome",
    "Violation",
    "Warning",
    "Watcher",
    "scrub",
    "with_hmac",
]
