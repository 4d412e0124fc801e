"""What the watcher keeps of each page it watches: its number in the order, where it is, what
its probe last said, and the signals Playwright and CDP gave for it that a probe message may
still need to corroborate."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loguru import logger

from preflight.watch._messages import Navigate

if TYPE_CHECKING:
    from playwright.sync_api import CDPSession, Page


@dataclass
class _PageState:
    index: int
    page: Page
    last_stamp: float | None = None
    url: str = ""
    on_merchant: bool = False
    merchant_seen: bool = False
    merchant_navs: int = 0
    closed: bool = False
    seen: OrderedDict[str, int] = field(default_factory=OrderedDict)  # doc → highest n handled
    hint: Navigate | None = None
    hint_at: float = 0.0
    cdp: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=20))
    frame_navs: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    # Main-frame navigation requests Playwright saw: documents the browser loaded (a page's
    # own pushState or replaceState makes none).
    doc_requests: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    # doc → the URL its document was loaded at, as the probe said it before any page script
    # ran (its first message): what a later replaceState cannot change.
    doc_urls: OrderedDict[str, str] = field(default_factory=OrderedDict)
    # A confirmation the page reported without a document loaded at its URL (a single-page
    # shop's): its URL and when; believed once the URL has stayed (see _probe.py).
    pending_confirmation: tuple[str, float] | None = None
    confirmed_url: str | None = None
    # When a trusted click on the rules' `order.confirmation_state` submit control was seen (the
    # probe's word, signed): the state that appears within its bound confirms (see _probe.py).
    submitted_at: float | None = None
    cdp_session: CDPSession | None = None
    confirmation_url: str | None = None
    # The URL of this page's last document load, when it failed and nothing was shown since:
    # the page shows the browser's error page (issue #23).
    load_failed: str | None = None
    # The page did not answer the watcher's last question: its script keeps it busy (#25).
    unresponsive: bool = False
    # The flood-prone messages handled in the current second: since when, how many (#25).
    rate_start: float = 0.0
    rate_count: int = 0

    def within_rate(self, per_second: int) -> bool:
        """Count one more flood-prone message; False past `per_second` in the current second
        (said once a second)."""
        now = time.monotonic()
        if now - self.rate_start >= 1.0:
            self.rate_start, self.rate_count = now, 0
        self.rate_count += 1
        if self.rate_count == per_second + 1:
            logger.warning(
                "page {}: more than {} history or guard messages in a second; the rest of "
                "this second is dropped",
                self.index,
                per_second,
            )
        return self.rate_count <= per_second


def _same_doc_url(a: str, b: str) -> bool:
    return a.split("#", 1)[0] == b.split("#", 1)[0]
