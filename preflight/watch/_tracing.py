"""What preflight puts in a Playwright trace, and what it keeps out of it.

QA reads a scenario's trace (pytest-playwright's `--tracing`) in Playwright's trace viewer. So:

* each scenario step is a trace group named after the step (`tracing.group`, Playwright ≥ 1.49),
  holding the step's own actions;
* each watcher event that matters (a Back, Forward or Refresh seen, a customer-service click,
  the session lost, the order confirmed) is an empty group opened and closed where it was
  seen: a titled row in the action list, inside the step's group, at no cost when tracing is
  off and two round trips to the driver when it is on — a console message (an `evaluate`)
  would cost a DOM snapshot and show only in the console tab;
* the watcher's own polling (`evaluate`s reading the probe's queue, pauses, cookie reads) is
  left out: each such action cost a DOM snapshot before and after, and filled the action list.

Playwright has a public way to make a call leave no trace only in its JavaScript client
(`_wrapApiCall(…, {internal: true})`). Python has the same mechanism, private: the sync API
object's `_impl_obj`, its connection's `wrap_api_call(cb, is_internal=True)`, and `_sync()`;
the driver then marks the call `internal` and its tracer skips it (playwright-python 1.64.1,
`_connection.py`; the driver's `createBeforeActionTraceEvent`). Pinned with Playwright, and
checked by tests/test_trace.py, which counts the watcher's actions in a real trace. If those
attributes go away, `untraced` makes the ordinary, traced call: never a failure.

The same private handle gives a call a time limit of its own (`bounded`): `page.evaluate` has
none, and a page whose script spins never answers it (issue #25). The sync API runs each call
as a task of its own event loop; `asyncio.wait_for` there gives up waiting after the limit (the
connection drops the late answer of a call given up: `Connection.dispatch` checks
`future.cancelled()`). Playwright's own `wait_for_function` timeout is no substitute: once its
poller has answered, a timeout waits for the page to abort it (Playwright 1.64.1, measured on
Chromium: 20 s and more on a spinning page). Without those attributes, `bounded` makes the
ordinary call, with no limit; tests/test_hostile_pages.py's spinning pages then fail.

Group names and markers come from scenario files and pages (hostile text): control characters
are dropped and the length is bounded; personal data is the caller's to redact (URLs through
`preflight.privacy.redact`), and the trace scrubber (`scenario/_trace.py`) removes typed
values from the whole zip, group titles included.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight._playwright import playwright_error

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

LABEL_LIMIT = 120
# C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides: what
# could break a line or reorder what the trace viewer shows.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def label(text: str, limit: int = LABEL_LIMIT) -> str:
    """`text` on one line without control characters, at most `limit` characters."""
    flat = " ".join(_CONTROLS.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _sync_call(owner: Any, method: str) -> tuple[Any, Any, Any] | None:
    """The Playwright connection of a sync API `owner`, the sync runner and the impl's
    `method`; None when this is not the Playwright it was written for (the callers then make
    an ordinary call)."""
    try:
        impl = owner._impl_obj
        # A Locator's impl is no channel owner: its connection is its frame's (a locator's
        # call was silently traced before, issue #27).
        connection = getattr(impl, "_connection", None) or impl._frame._connection
        return connection, owner._sync, getattr(impl, method)
    except AttributeError:
        return None


def untraced(owner: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """`owner.method(*args, **kwargs)` on a sync API object (a Page, a BrowserContext), left
    out of Playwright's trace. The result is returned as the impl gives it: use it only for
    methods whose result is plain data (evaluate, cookies, wait_for_timeout)."""
    parts = _sync_call(owner, method)
    if parts is None:
        return getattr(owner, method)(*args, **kwargs)
    connection, sync, call = parts
    return sync(connection.wrap_api_call(lambda: call(*args, **kwargs), True))


def bounded(
    owner: Any, method: str, *args: Any, timeout_s: float, traced: bool = True, **kwargs: Any
) -> Any:
    """`owner.method(*args, **kwargs)` on a sync API object, given up after `timeout_s`
    (`TimeoutError`) however the page behaves; `traced=False`: left out of the trace, as
    `untraced`. The result is returned as the impl gives it: plain data only (evaluate)."""
    parts = _sync_call(owner, method)
    if parts is None:
        return getattr(owner, method)(*args, **kwargs)
    connection, sync, call = parts

    async def within() -> Any:
        zone = connection._api_zone.get() if traced else None
        if isinstance(zone, dict) and not zone.get("apiName"):
            # The sync API names a call after its own frame (`Page.evaluate`) and traces only a
            # named call: this one is made from here, so it is named as the sync API would.
            zone["apiName"] = f"{type(owner).__name__}.{method}"
        return await asyncio.wait_for(call(*args, **kwargs), timeout_s)

    return sync(connection.wrap_api_call(within, not traced))


def tracing_on(context: BrowserContext) -> bool:
    """Whether `context` is being traced (client side). When that cannot be told, True:
    a group on a context that is not traced is a no-op in the driver."""
    impl = getattr(context.tracing, "_impl_obj", None)
    return bool(getattr(impl, "_is_tracing", True))


def group(context: BrowserContext, name: str) -> bool:
    """Open a trace group named `name` (labelled); True when it was opened."""
    try:
        context.tracing.group(label(name))
    except playwright_error() as error:  # a context closing
        logger.debug("trace group {!r}: {}", name, error)
        return False
    return True


def group_end(context: BrowserContext) -> None:
    try:
        context.tracing.group_end()
    except playwright_error() as error:  # a context closing
        logger.debug("trace group end: {}", error)


def mark(context: BrowserContext, name: str) -> None:
    """A marker in the trace's action list: an empty group, opened and closed now."""
    if group(context, name):
        group_end(context)


def without_screencast(context: BrowserContext, title: str) -> bool:
    """Go on tracing `context` with DOM snapshots and sources but no screencast; True when
    tracing was restarted so.

    For a replay that types customer values: the trace scrubber drops every screencast frame
    afterwards (their pixels show what was typed, `scenario/_trace.py`), so capturing them is
    pure cost — and over WebDriver BiDi a large one: Playwright captures a screenshot every
    40 ms for the whole run (`browsingContext.captureScreenshot`, Playwright 1.64.1's BiDi
    `startScreencast`), which also delays every other call to the page (issue #27). Public API
    only: `tracing.stop()` then `start()` (nothing of the replay is recorded yet); the caller's
    own `tracing.stop(path=…)` (pytest-playwright's) then writes the trace as before.
    """
    if not tracing_on(context):
        return False
    try:
        context.tracing.stop()
        context.tracing.start(title=label(title), screenshots=False, snapshots=True, sources=True)
    except Exception as error:  # a context closing: its trace is what it is
        logger.debug("tracing without screencast: {}", error)
        return False
    return True
