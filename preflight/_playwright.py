"""Playwright's errors, caught without loading Playwright to name them.

Every call on a page, a frame, a context or a browser may fail for reasons that are not bugs:
the page closed or navigated mid-call, the browser went away, a wait timed out, a selector was
refused. Playwright raises its `Error` for all of them (`TimeoutError` and its closed-target
error are subclasses). preflight catches that and lets everything else — a bug of its own —
propagate and fail a test.

`import preflight` must not load Playwright (the CLI's start, the pytest plugin's entry point):
an `except` clause's class is looked up only when an exception is being matched, by which time
a Playwright call has run and Playwright is loaded. So callers write
`except playwright_error() as error:`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Error


def playwright_error() -> type[Error]:
    """`playwright.sync_api.Error`, the base of every error Playwright raises on purpose."""
    from playwright.sync_api import Error

    return Error
