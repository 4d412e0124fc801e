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

The watcher's polls are left out of the trace by `untraced`, a page that may not answer is
asked through `bounded` (a time limit of its own), and `tracing_on` tells whether a context is
traced: Playwright has no public way for any of the three, so they live in
`preflight/_private.py`, which says why, names the upstream issues and is checked by
tests/test_private.py (and tests/test_trace.py counts the watcher's actions in a real trace).

Group names and markers come from scenario files and pages (hostile text): control characters
are dropped and the length is bounded; personal data is the caller's to redact (URLs through
`preflight.privacy.redact`), and the trace scrubber (`scenario/_trace.py`) removes typed
values from the whole zip, group titles included.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from loguru import logger

from preflight._playwright import playwright_error
from preflight._private import bounded, tracing_on, untraced

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


# `untraced`, `bounded` and `tracing_on` are imported from here by the watcher, the replay and
# the bench (which swaps `untraced` in the modules that use it).
__all__ = [
    "bounded",
    "group",
    "group_end",
    "label",
    "mark",
    "tracing_on",
    "untraced",
    "without_screencast",
]
